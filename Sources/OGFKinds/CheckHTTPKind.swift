import Foundation
import OGFCore
import OGFSupport
import OGFHTTP

/// `check_http`: an HTTP endpoint answers as expected — status, body text, JSON fields, latency.
public struct CheckHTTPKind: ResourceKind {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public let name = "check_http"
    public let role = ResourceRole.check
    public let summary = "HTTP check: status, body contains, JSON field equals, latency; with retries."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, doc: "The URL to request."),
        FieldSpec("method", .oneOf(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), default: "GET", doc: "HTTP method."),
        FieldSpec("headers", .map(.string), doc: "Request headers; values may reference secrets (shown as (sensitive))."),
        FieldSpec("body", .string, doc: "Request body."),
        FieldSpec("expect_status", .any, default: 200, doc: "Expected status code, or a list of accepted codes."),
        FieldSpec("body_contains", .string, doc: "Text the response body must contain."),
        FieldSpec("json", .map(.any), doc: "JSON fields that must equal given values, by dotted path: {\"status\": \"ok\", \"checks.db\": true}."),
        FieldSpec("follow_redirects", .bool, default: false, doc: "Follow 3xx redirects."),
        FieldSpec("insecure", .bool, default: false, doc: "Skip TLS certificate verification (self-signed test servers only)."),
        FieldSpec("ca_file", .string, doc: "A CA bundle to verify the server with."),
    ] + Schema.retryFields)
    public let outputs = ["status": "The HTTP status of the last attempt.", "latency_ms": "Time to the last byte, in milliseconds."]

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = request.config
        let url = c["url"]?.unmarked.stringValue ?? ""
        let shownURL = c["url"]?.isSensitive == true ? "(sensitive URL)" : CurlHTTPClient.redact(url)
        let expected = Self.expectedStatuses(c["expect_status"] ?? 200)
        guard !expected.isEmpty else { throw ResourceFailure("expect_status must be a status code or a list of them") }
        let req = HTTPRequest(method: c["method"]?.stringValue ?? "GET", url: url,
                              headers: (c["headers"]?.unmarked.mapValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.stringValue.map { (k, $0) } },
                              body: c["body"]?.unmarked.stringValue.map { Data($0.utf8) },
                              timeout: c["timeout"]?.stringValue.flatMap(DurationText.seconds) ?? 10,
                              followRedirects: c["follow_redirects"]?.boolValue ?? false, insecure: c["insecure"]?.boolValue ?? false,
                              caFile: c["ca_file"]?.stringValue.map(request.context.path))
        let maxLatency = c["max_latency"]?.stringValue.flatMap(DurationText.seconds)
        var last: HTTPResponse?
        let failure = try await RetryPolicy(c).run(progress: request.progress) {
            do {
                let r = try await http.send(req)
                last = r
                return Self.verify(r, expected: expected, contains: c["body_contains"]?.unmarked.stringValue,
                                   json: c["json"]?.mapValue ?? [:], maxLatency: maxLatency, redact: request.context.redact)
            } catch {
                return request.context.redact("\(error)")
            }
        }
        var outputs: [String: Value] = [:]
        if let last {
            outputs["status"] = .int(last.status)
            outputs["latency_ms"] = .int(Int((last.totalTime * 1000).rounded()))
        }
        if let failure { throw ResourceFailure("\(req.method) \(shownURL): \(failure)", outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "\(last!.status) in \(DurationText.format(last!.totalTime))")
    }

    static func expectedStatuses(_ v: Value) -> [Int] {
        if let i = v.intValue { return [i] }
        return v.listValue?.compactMap(\.intValue) ?? []
    }

    /// nil when the response is as expected, otherwise what is wrong.
    static func verify(_ r: HTTPResponse, expected: [Int], contains: String?, json: [String: Value], maxLatency: Double?,
                       redact: (String) -> String) -> String? {
        if !expected.contains(r.status) {
            let snippet = redact(String(r.text.prefix(200))).replacingOccurrences(of: "\n", with: " ")
            return "status \(r.status), expected \(expected.map(String.init).joined(separator: " or "))" + (snippet.isEmpty ? "" : "; body: \(snippet)")
        }
        if let contains, !r.text.contains(contains) {
            return "the body does not contain \"\(redact(contains))\""
        }
        if !json.isEmpty {
            guard let obj = try? JSONDecoder().decode(Value.self, from: r.body) else {
                return "the body is not JSON"
            }
            for path in json.keys.sorted() {
                let want = json[path]!.unmarked
                let got = lookup(obj, path: path)
                if !same(got, want) {
                    return "JSON \(path) is \(got.map(\.description) ?? "missing"), expected \(want)"
                }
            }
        }
        if let maxLatency, r.totalTime > maxLatency {
            return "answered in \(DurationText.format(r.totalTime)), more than max_latency \(DurationText.format(maxLatency))"
        }
        return nil
    }

    static func lookup(_ obj: Value, path: String) -> Value? {
        var cur: Value? = obj
        for part in path.split(separator: ".") {
            switch cur {
            case .map(let m)?: cur = m[String(part)]
            case .list(let a)?:
                guard let i = Int(part), a.indices.contains(i) else { return nil }
                cur = a[i]
            default: return nil
            }
        }
        return cur
    }

    /// Numbers compare by value (1 equals 1.0); everything else exactly.
    static func same(_ a: Value?, _ b: Value) -> Bool {
        guard let a else { return false }
        switch (a, b) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        default: return a == b
        }
    }
}
