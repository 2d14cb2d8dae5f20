import Foundation
import OGFCore
import OGFSupport
import OGFHTTP

/// Runs `check_http`'s flow, auth and rate-limit parts after its first request passed. Captured
/// values live only here: every message is masked with them (and with the run's secrets), and
/// outputs carry counts, never values.
struct HTTPFlowRun {
    let http: any HTTPClient
    /// The check's own URL: paths starting with / resolve against its scheme, host and port.
    let base: String
    /// Timeout, TLS and redirect settings every request shares.
    let template: HTTPRequest
    let redactSecrets: @Sendable (String) -> String
    let progress: @Sendable (String) -> Void
    private(set) var captured: [String: String] = [:]

    init(http: any HTTPClient, base: String, template: HTTPRequest, redactSecrets: @escaping @Sendable (String) -> String,
         progress: @escaping @Sendable (String) -> Void) {
        self.http = http
        self.base = base
        self.template = template
        self.redactSecrets = redactSecrets
        self.progress = progress
    }

    struct Outcome {
        var failure: String?
        var outputs: [String: Value] = [:]
        var summary: [String] = []
    }

    /// Masks secrets and every captured value (captured values shorter than 4 characters too).
    func redact(_ text: String) -> String {
        var out = redactSecrets(text)
        for v in captured.values.sorted(by: { $0.count > $1.count }) where !v.isEmpty {
            out = out.replacingOccurrences(of: v, with: "****")
        }
        return out
    }

    /// A URL as it may be shown: the configured text (placeholders not filled in), query secrets masked.
    func shown(_ configured: String) -> String {
        redact(CurlHTTPClient.redact(HTTPTemplate.resolve(configured, base: base)))
    }

    func request(method: String, url: String, headers: [String: String], body: String?) -> HTTPRequest {
        var r = template
        r.method = method
        r.url = HTTPTemplate.resolve(HTTPTemplate.expand(url, captured), base: base)
        r.headers = headers.sorted { $0.key < $1.key }.map { ($0.key, HTTPTemplate.expand($0.value, captured)) }
        r.body = body.map { Data(HTTPTemplate.expand($0, captured).utf8) }
        r.bodyFile = nil
        return r
    }

    mutating func run(flow: [HTTPFlowStep], auth: HTTPAuthCheck?, rateLimit: HTTPRateLimitCheck?) async -> Outcome {
        var outcome = Outcome()
        captured = [:]
        for (i, step) in flow.enumerated() {
            let label = "flow step \(i + 1)" + (step.name.map { " (\($0))" } ?? "")
            if let wrong = await runStep(step) {
                outcome.failure = "\(label), \(step.method) \(shown(step.url)): \(wrong)"
                outcome.outputs["flow_steps"] = .int(i)
                return outcome
            }
        }
        if !flow.isEmpty {
            outcome.outputs["flow_steps"] = .int(flow.count)
            outcome.summary.append("flow: \(flow.count) step\(flow.count == 1 ? "" : "s") passed")
        }
        if let auth {
            if let wrong = await runAuth(auth) {
                outcome.failure = "auth, \(auth.method) \(shown(auth.url ?? base)): \(wrong)"
                return outcome
            }
            outcome.summary.append("auth: refused without credentials, accepted with them")
        }
        if let rateLimit {
            switch await runRateLimit(rateLimit) {
            case .failure(let wrong):
                outcome.failure = "rate_limit, \(rateLimit.method) \(shown(rateLimit.url ?? base)): \(wrong)"
                return outcome
            case .success(let n):
                outcome.outputs["rate_limited_after"] = .int(n)
                outcome.summary.append("rate limited at request \(n) of \(rateLimit.requests)")
            }
        }
        return outcome
    }

    /// nil when the step passed (its captures are then kept), else what was wrong.
    mutating func runStep(_ step: HTTPFlowStep) async -> String? {
        let req = request(method: step.method, url: step.url, headers: step.headers, body: step.body)
        let r: HTTPResponse
        do { r = try await http.send(req) } catch { return redact("\(error)") }
        // A response carrying values to capture is never quoted (it holds them).
        if let wrong = CheckHTTPKind.verify(r, expected: step.expectStatus, contains: step.bodyContains, json: step.json,
                                            maxLatency: nil, redact: redact, showBody: step.capture.isEmpty) {
            return wrong
        }
        var body: Value?
        for name in step.capture.keys.sorted() {
            switch step.capture[name]!.source {
            case .header(let h):
                guard let v = r.header(h) else { return "the response has no \(h) header to capture as {{\(name)}}" }
                captured[name] = v
            case .json(let path):
                if body == nil { body = (try? JSONDecoder().decode(Value.self, from: r.body)) ?? .null }
                switch CheckHTTPKind.lookup(body!, path: path) {
                case .string(let s)?: captured[name] = s
                case .int(let n)?: captured[name] = String(n)
                case .double(let d)?: captured[name] = String(d)
                case .bool(let b)?: captured[name] = String(b)
                case nil, .null?: return "the response has no JSON \(path) to capture as {{\(name)}}"
                default: return "JSON \(path) is not a string or number; cannot capture it as {{\(name)}}"
                }
            }
        }
        return nil
    }

    func runAuth(_ auth: HTTPAuthCheck) async -> String? {
        let url = auth.url ?? base
        let without = request(method: auth.method, url: url, headers: [:], body: auth.body)
        do {
            let r = try await http.send(without)
            if !auth.expectDenied.contains(r.status) {
                return "without credentials it answered \(r.status), expected \(Self.list(auth.expectDenied)): the endpoint is not protected"
            }
            let with = request(method: auth.method, url: url, headers: auth.headers, body: auth.body)
            let ok = try await http.send(with)
            let accepted = auth.expectStatus.map { $0.contains(ok.status) } ?? (200..<300).contains(ok.status)
            if !accepted {
                return "with credentials it answered \(ok.status), expected \(auth.expectStatus.map(Self.list) ?? "2xx"): the credentials were not accepted"
            }
            return nil
        } catch {
            return redact("\(error)")
        }
    }

    enum Limited { case success(Int), failure(String) }

    /// Requests in flight at once during a burst: a burst, not a slow sequence a per-second
    /// limiter never notices when each request takes tens of milliseconds.
    static let burstConcurrency = 8

    func runRateLimit(_ limit: HTTPRateLimitCheck) async -> Limited {
        let req = request(method: limit.method, url: limit.url ?? base, headers: limit.headers, body: nil)
        let started = Date()
        let http = self.http
        // Answers in the order they arrive; the burst stops at the first 429 (or transport error).
        let answers: [Result<HTTPResponse, Error>] = await withTaskGroup(of: Result<HTTPResponse, Error>.self) { group in
            var sent = 0, out: [Result<HTTPResponse, Error>] = []
            func launch() {
                sent += 1
                group.addTask { do { return .success(try await http.send(req)) } catch { return .failure(error) } }
            }
            while sent < min(Self.burstConcurrency, limit.requests) { launch() }
            for await r in group {
                out.append(r)
                if case .success(let resp) = r, resp.status != 429, sent < limit.requests { launch() }
                if out.count % 100 == 0 { progress("rate limit burst: \(out.count) of \(limit.requests) requests, no 429 yet") }
            }
            return out
        }
        var codes: [Int: Int] = [:]
        for (i, a) in answers.enumerated() {
            switch a {
            case .failure(let error): return .failure("request \(i + 1) of the burst: " + redact("\(error)"))
            case .success(let r) where r.status == 429:
                if limit.requireRetryAfter && (r.header("Retry-After") ?? "").isEmpty {
                    return .failure("request \(i + 1) got 429 without a Retry-After header (require_retry_after: true)")
                }
                return .success(i + 1)
            case .success(let r): codes[r.status, default: 0] += 1
            }
        }
        let seen = codes.keys.sorted().map { "\(codes[$0]!)×\($0)" }.joined(separator: ", ")
        return .failure("\(answers.count) requests in \(DurationText.format(Date().timeIntervalSince(started))) got no 429 (\(seen)): rate limiting is not configured, or its limit is above the burst")
    }

    static func list(_ codes: [Int]) -> String { codes.map(String.init).joined(separator: " or ") }
}
