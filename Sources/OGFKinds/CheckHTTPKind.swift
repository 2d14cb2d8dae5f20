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

    struct Config: Decodable {
        var url: Marked<String>
        var method: String
        var headers: [String: String]?
        var body: String?
        var expectStatus: [Int]
        var bodyContains: String?
        var json: [String: Value]?
        var followRedirects: Bool
        var insecure: Bool
        var caFile: String?
        var retry: RetrySettings

        enum CodingKeys: String, CodingKey {
            case url, method, headers, body, expectStatus = "expect_status", bodyContains = "body_contains", json
            case followRedirects = "follow_redirects", insecure, caFile = "ca_file"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(Marked<String>.self, forKey: .url)
            method = try c.decode(String.self, forKey: .method)
            headers = try c.decodeIfPresent([String: String].self, forKey: .headers)
            body = try c.decodeIfPresent(String.self, forKey: .body)
            if let one = try? c.decode(Int.self, forKey: .expectStatus) {
                expectStatus = [one]
            } else if let many = try? c.decode([Int].self, forKey: .expectStatus), !many.isEmpty {
                expectStatus = many
            } else {
                throw Diagnostic.field("expect_status", "expected a status code or a list of them, such as 200 or [200, 204]", code: .wrongType)
            }
            bodyContains = try c.decodeIfPresent(String.self, forKey: .bodyContains)
            json = try c.decodeIfPresent([String: Value].self, forKey: .json)
            followRedirects = try c.decode(Bool.self, forKey: .followRedirects)
            insecure = try c.decode(Bool.self, forKey: .insecure)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            retry = try RetrySettings(from: decoder)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let url = c.url.value
        let shownURL = c.url.isSensitive ? "(sensitive URL)" : CurlHTTPClient.redact(url)
        let expected = c.expectStatus
        let req = HTTPRequest(method: c.method, url: url,
                              headers: (c.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                              body: c.body.map { Data($0.utf8) },
                              timeout: c.retry.timeout.seconds,
                              followRedirects: c.followRedirects, insecure: c.insecure,
                              caFile: c.caFile.map(request.context.path))
        let maxLatency = c.retry.maxLatency?.seconds
        var last: HTTPResponse?
        let failure = try await RetryPolicy(c.retry).run(progress: request.progress) {
            do {
                let r = try await http.send(req)
                last = r
                return Self.verify(r, expected: expected, contains: c.bodyContains,
                                   json: c.json ?? [:], maxLatency: maxLatency, redact: request.context.redact)
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
