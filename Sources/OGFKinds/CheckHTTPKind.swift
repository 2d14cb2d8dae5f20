import Foundation
import OGFCore
import OGFSupport
import OGFHTTP

/// `check_http`: an HTTP endpoint answers as expected — status, body text, JSON fields, latency;
/// optionally a flow of requests that pass captured values along (log in, use the token), an
/// authentication check (refused without credentials, accepted with them) and a rate-limit check
/// (a bounded burst meets 429 + Retry-After). Order: the request, the flow, auth, rate_limit.
public struct CheckHTTPKind: ResourceKind {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public let name = "check_http"
    public let role = ResourceRole.check
    public let summary = "HTTP check: status, body contains, JSON field equals, latency; flows with captured values, auth validation, rate limiting; with retries."
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
        FieldSpec("flow", .list(.object(Self.stepSchema)), doc: "Requests made in order after the first one; a step's `capture` keeps values from its response for later steps as {{name}} in url, headers and body. Captured values are treated as secrets: never shown, never stored."),
        FieldSpec("auth", .object(Self.authSchema), doc: "Authentication validation: the request must be refused (401/403) without `headers` and succeed with them."),
        FieldSpec("rate_limit", .object(Self.rateLimitSchema), doc: "Rate limiting is configured: a burst of `requests` must meet a 429 (with Retry-After) before it ends. Runs last."),
    ] + Schema.retryFields)
    public let outputs = ["status": "The HTTP status of the last attempt.", "latency_ms": "Time to the last byte, in milliseconds.",
                          "flow_steps": "Flow steps that passed.", "rate_limited_after": "The request of the burst that got the first 429."]

    static let stepSchema = Schema([
        FieldSpec("name", .string, doc: "A name for messages (default: the step's number)."),
        FieldSpec("method", .oneOf(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), default: "GET", doc: "HTTP method."),
        FieldSpec("url", .string, required: true, doc: "An absolute URL, or a path starting with / on the check's own host."),
        FieldSpec("headers", .map(.string), doc: "Request headers; {{name}} inserts a captured value."),
        FieldSpec("body", .string, doc: "Request body; {{name}} inserts a captured value."),
        FieldSpec("expect_status", .any, default: 200, doc: "Expected status code, or a list of accepted codes."),
        FieldSpec("body_contains", .string, doc: "Text the response body must contain."),
        FieldSpec("json", .map(.any), doc: "JSON fields that must equal given values, by dotted path."),
        FieldSpec("capture", .map(.object(Schema([
            FieldSpec("json", .string, doc: "A dotted path in the JSON response body: token, data.items.0.id."),
            FieldSpec("header", .string, doc: "A response header name."),
        ]))), doc: "Values to keep for later steps, by name: {token: {json: token}, request_id: {header: X-Request-Id}}."),
    ])
    static let authSchema = Schema([
        FieldSpec("url", .string, doc: "The protected endpoint (default: the check's url); a path starting with / is on the check's host."),
        FieldSpec("method", .oneOf(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), default: "GET", doc: "HTTP method."),
        FieldSpec("headers", .map(.string), required: true, doc: "The credentials, sent only on the second request: {Authorization: \"Bearer {{token}}\"}."),
        FieldSpec("body", .string, doc: "Request body, sent on both requests."),
        FieldSpec("expect_denied", .any, default: [401, 403], doc: "Statuses accepted without credentials."),
        FieldSpec("expect_status", .any, doc: "Statuses accepted with credentials (default: any 2xx)."),
    ])
    static let rateLimitSchema = Schema([
        FieldSpec("url", .string, doc: "The limited endpoint (default: the check's url); a path starting with / is on the check's host."),
        FieldSpec("method", .oneOf(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), default: "GET", doc: "HTTP method."),
        FieldSpec("headers", .map(.string), doc: "Request headers; {{name}} inserts a value the flow captured."),
        FieldSpec("requests", .int, required: true, doc: "The burst: at most this many requests, 8 in flight at a time (2 to 10000); a 429 must come before the burst ends."),
        FieldSpec("require_retry_after", .bool, default: true, doc: "The 429 must carry a Retry-After header."),
    ])

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
        var flow: [HTTPFlowStep]
        var auth: HTTPAuthCheck?
        var rateLimit: HTTPRateLimitCheck?
        var retry: RetrySettings

        enum CodingKeys: String, CodingKey {
            case url, method, headers, body, expectStatus = "expect_status", bodyContains = "body_contains", json
            case followRedirects = "follow_redirects", insecure, caFile = "ca_file", flow, auth, rateLimit = "rate_limit"
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
            flow = try c.decodeIfPresent([HTTPFlowStep].self, forKey: .flow) ?? []
            auth = try c.decodeIfPresent(HTTPAuthCheck.self, forKey: .auth)
            rateLimit = try c.decodeIfPresent(HTTPRateLimitCheck.self, forKey: .rateLimit)
            retry = try RetrySettings(from: decoder)
            try checkReferences()
        }

        /// Every {{name}} refers to a value an earlier flow step captures.
        func checkReferences() throws {
            var known: Set<String> = []
            for (i, step) in flow.enumerated() {
                for ref in HTTPTemplate.references(url: step.url, headers: step.headers, body: step.body) where !known.contains(ref.name) {
                    throw Diagnostic.field("flow[\(i)].\(ref.field)", Self.unknownCapture(ref.name, known: known, later: flow[i...].contains { $0.capture[ref.name] != nil }))
                }
                known.formUnion(step.capture.keys)
            }
            if let auth {
                for ref in HTTPTemplate.references(url: auth.url, headers: auth.headers, body: auth.body) where !known.contains(ref.name) {
                    throw Diagnostic.field("auth.\(ref.field)", Self.unknownCapture(ref.name, known: known, later: false))
                }
            }
            if let rateLimit {
                for ref in HTTPTemplate.references(url: rateLimit.url, headers: rateLimit.headers, body: nil) where !known.contains(ref.name) {
                    throw Diagnostic.field("rate_limit.\(ref.field)", Self.unknownCapture(ref.name, known: known, later: false))
                }
            }
        }

        static func unknownCapture(_ name: String, known: Set<String>, later: Bool) -> String {
            if later { return "{{\(name)}} is captured by this or a later step; a value can only be used after the step that captures it" }
            let have = known.sorted().map { "{{\($0)}}" }.joined(separator: ", ")
            return "{{\(name)}} is not captured by any earlier flow step" + (have.isEmpty ? " (no step captures anything)" : "; captured: \(have)")
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
        let req = HTTPRequest(method: c.method, url: url,
                              headers: (c.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                              body: c.body.map { Data($0.utf8) },
                              timeout: c.retry.timeout.seconds,
                              followRedirects: c.followRedirects, insecure: c.insecure,
                              caFile: c.caFile.map(request.context.path))
        let maxLatency = c.retry.maxLatency?.seconds
        var last: HTTPResponse?
        var extra: [String: Value] = [:]
        var summaryParts: [String] = []
        let failure = try await RetryPolicy(c.retry).run(progress: request.progress) {
            do {
                let r = try await http.send(req)
                last = r
                if let wrong = Self.verify(r, expected: c.expectStatus, contains: c.bodyContains,
                                           json: c.json ?? [:], maxLatency: maxLatency, redact: request.context.redact) {
                    return "\(req.method) \(shownURL): \(wrong)"
                }
                var run = HTTPFlowRun(http: http, base: url, template: req, redactSecrets: request.context.redact, progress: request.progress)
                let outcome = await run.run(flow: c.flow, auth: c.auth, rateLimit: c.rateLimit)
                extra = outcome.outputs
                summaryParts = outcome.summary
                return outcome.failure
            } catch {
                return "\(req.method) \(shownURL): " + request.context.redact("\(error)")
            }
        }
        var outputs: [String: Value] = extra
        if let last {
            outputs["status"] = .int(last.status)
            outputs["latency_ms"] = .int(Int((last.totalTime * 1000).rounded()))
        }
        if let failure { throw ResourceFailure(failure, outputs: outputs) }
        let head = "\(last!.status) in \(DurationText.format(last!.totalTime))"
        return ApplyResponse(outputs: outputs, summary: ([head] + summaryParts).joined(separator: "; "))
    }

    /// nil when the response is as expected, otherwise what is wrong.
    static func verify(_ r: HTTPResponse, expected: [Int], contains: String?, json: [String: Value], maxLatency: Double?,
                       redact: (String) -> String, showBody: Bool = true) -> String? {
        if !expected.contains(r.status) {
            let snippet = showBody ? redact(String(r.text.prefix(200))).replacingOccurrences(of: "\n", with: " ") : ""
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
                    let shown = got == nil ? "missing" : showBody ? redact(got!.description) : "another value (not shown: this step captures from its response)"
                    return "JSON \(path) is \(shown), expected \(redact(want.description))"
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
