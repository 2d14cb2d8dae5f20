import Foundation
import Testing
import OGFCore
import OGFHTTP
@testable import OGFKinds

/// check_http's flow, auth and rate_limit against the example's API stand-in (the image the
/// example deploys), and check_traces against the OTLP receiver from scripts/dev-up.sh.
@Suite(.serialized) struct ReleaseCheckTests {
    let http = CheckHTTPKind(http: CurlHTTPClient())

    init() async throws {
        try await HTTPFixture.ready()
        try await APIStandIn.ready()
    }
    var login: Value {
        .map(["name": "log in", "method": "POST", "url": "/api/v1/login", "body": .sensitive(#"{"username": "demo", "password": "demo-password"}"#),
              "capture": ["token": ["json": "token"]]])
    }

    /// The stand-in allows 5 /api/ requests per second: start a test's requests in a fresh second.
    func freshSecond() async throws {
        let now = Date().timeIntervalSince1970
        try await Task.sleep(nanoseconds: UInt64(((now.rounded(.down) + 1 - now) * 1_000_000_000) + 20_000_000))
    }

    func apply(_ config: [String: Value]) async throws -> ApplyResponse {
        try await http.apply(request("check_http", config, schema: http.schema))
    }

    func failure(_ config: [String: Value]) async -> String {
        do {
            _ = try await apply(config)
            return "(passed)"
        } catch {
            return "\(error)"
        }
    }

    @Test func flowLogsInAndCallsTheProtectedEndpointWithTheCapturedToken() async throws {
        try await freshSecond()
        let r = try await apply(["url": .string(APIStandIn.base + "/health"), "flow": [
            login,
            ["url": "/api/v1/me", "headers": ["Authorization": "Bearer {{token}}"], "json": ["user": "demo"]],
        ]])
        #expect(r.outputs["flow_steps"] == .int(2))
        #expect(r.summary?.contains("flow: 2 steps passed") == true, "\(r.summary ?? "")")
        // Without the captured token the same step is refused, and the message names the step.
        let f = await failure(["url": .string(APIStandIn.base + "/health"), "flow": [
            login, ["name": "me", "url": "/api/v1/me", "headers": ["Authorization": "Bearer not-the-token"]],
        ]])
        #expect(f.contains("flow step 2 (me), GET \(APIStandIn.base)/api/v1/me: status 401, expected 200"), "\(f)")
    }

    @Test func capturedValuesNeverShowInMessagesOrOutputs() async throws {
        try await freshSecond()
        // The fixture echoes request headers: a failing step quoting its body would show the token.
        let f = await failure(["url": .string(APIStandIn.base + "/health"), "flow": [
            login,
            ["url": .string(HTTPFixture.base + "/echo-headers"), "headers": ["Authorization": "Bearer {{token}}"], "json": ["authorization": "x"]],
        ]])
        #expect(f.contains("JSON authorization is \"Bearer ****\", expected \"x\""), "\(f)")
        // The token the stand-in signs starts with the base64 of "demo." (ZGVtby4): never shown.
        #expect(!f.contains("ZGVtby4"), "\(f)")
        let missing = await failure(["url": .string(APIStandIn.base + "/health"), "flow": [
            ["method": "POST", "url": "/api/v1/login", "body": #"{"username": "demo", "password": "demo-password"}"#, "capture": ["token": ["json": "access_token"]]],
        ]])
        #expect(missing.contains("the response has no JSON access_token to capture as {{token}}"), "\(missing)")
        let r = try await apply(["url": .string(APIStandIn.base + "/health"), "flow": [login]])
        #expect(!"\(r.outputs)".contains("ZGVtby4") && !(r.summary ?? "").contains("ZGVtby4"))
    }

    @Test func authValidationNeedsRefusalWithoutAndSuccessWithCredentials() async throws {
        try await freshSecond()
        let ok = try await apply(["url": .string(APIStandIn.base + "/health"), "flow": [login],
                                  "auth": ["url": "/api/v1/me", "headers": ["Authorization": "Bearer {{token}}"]]])
        #expect(ok.summary?.contains("auth: refused without credentials, accepted with them") == true)
        try await freshSecond()
        let open = await failure(["url": .string(APIStandIn.base + "/health"), "flow": [login],
                                  "auth": ["url": "/api/v1/version", "headers": ["Authorization": "Bearer {{token}}"]]])
        #expect(open.contains("auth, GET \(APIStandIn.base)/api/v1/version: without credentials it answered 200, expected 401 or 403: the endpoint is not protected"), "\(open)")
        try await freshSecond()
        let wrong = await failure(["url": .string(APIStandIn.base + "/health"),
                                   "auth": ["url": "/api/v1/me", "headers": ["Authorization": "Bearer forged"]]])
        #expect(wrong.contains("with credentials it answered 401, expected 2xx: the credentials were not accepted"), "\(wrong)")
    }

    @Test func rateLimitNeedsA429WithRetryAfterWithinTheBurst() async throws {
        try await freshSecond()
        // 5 per second: the 6th request of a fresh second is refused. Answers are counted as they
        // arrive (8 in flight), so the 429 may be counted a little earlier; never after 8 + 3.
        let ok = try await apply(["url": .string(APIStandIn.base + "/health"), "rate_limit": ["url": "/api/v1/version", "requests": 30]])
        let at = ok.outputs["rate_limited_after"]?.intValue ?? 0
        #expect((1...11).contains(at), "\(ok.outputs)")
        let none = await failure(["url": .string(APIStandIn.base + "/health"), "rate_limit": ["url": "/health", "requests": 12]])
        #expect(none.contains("rate_limit, GET \(APIStandIn.base)/health: 12 requests in"), "\(none)")
        #expect(none.contains("got no 429 (12×200): rate limiting is not configured"), "\(none)")
        let bare = await failure(["url": .string(HTTPFixture.base + "/health"), "rate_limit": ["url": "/status/429", "requests": 3]])
        #expect(bare.contains("request 1 got 429 without a Retry-After header"), "\(bare)")
        let lenient = try await apply(["url": .string(HTTPFixture.base + "/health"), "rate_limit": ["url": "/status/429", "requests": 3, "require_retry_after": false]])
        #expect(lenient.outputs["rate_limited_after"] == .int(1))
    }

    @Test func badFlowConfigurationIsAFieldError() async throws {
        func diagnostic(_ config: [String: Value]) async -> Diagnostic? {
            let req = PlanRequest(address: ResourceAddress(kind: "check_http", name: "t"), config: http.schema.withDefaults(config),
                                  prior: nil, changedFields: [], refresh: false, context: context())
            do { _ = try await http.plan(req); return nil } catch let d as Diagnostic { return d } catch { return nil }
        }
        let unknown = await diagnostic(["url": "http://x/", "flow": [login, ["url": "/me", "headers": ["Authorization": "Bearer {{tokn}}"]]]])
        #expect(unknown?.field == "flow[1].headers.Authorization")
        #expect(unknown?.summary == "{{tokn}} is not captured by any earlier flow step; captured: {{token}}")
        let early = await diagnostic(["url": "http://x/", "flow": [["url": "/me?t={{token}}", "capture": ["token": ["header": "X-T"]]]]])
        #expect(early?.field == "flow[0].url")
        let both = await diagnostic(["url": "http://x/", "flow": [["url": "/a", "capture": ["t": ["json": "a", "header": "B"]]]]])
        #expect(both?.field == "flow[0].capture.t", "\(String(describing: both))")
        let burst = await diagnostic(["url": "http://x/", "rate_limit": ["requests": 1]])
        #expect(burst?.field == "rate_limit.requests")
        let noCreds = await diagnostic(["url": "http://x/", "auth": ["headers": .map([:])]])
        #expect(noCreds?.field == "auth.headers")
    }

    // MARK: check_traces

    let traces = CheckTracesKind(http: CurlHTTPClient())
    static let jaeger = "http://127.0.0.1:16686"

    @Test func tracesOfTheReleaseArriveAndOtherVersionsDoNotCount() async throws {
        // The stand-in exports a span per request (batched every second) with service.version = its release.
        for _ in 0..<4 { _ = try await CurlHTTPClient().send(HTTPRequest(url: APIStandIn.base + "/health")) }
        let ok = try await traces.apply(request("check_traces", ["jaeger": .string(Self.jaeger), "service": .string(APIStandIn.service),
                                                                 "version": .string(APIStandIn.release), "min_spans": 3, "within": "2m",
                                                                 "retries": 20, "interval": "250ms"], schema: traces.schema))
        #expect((ok.outputs["spans"]?.intValue ?? 0) >= 3, "\(ok.outputs)")
        #expect(ok.summary?.contains("of \(APIStandIn.service) \(APIStandIn.release) in the last 2m (Jaeger)") == true, "\(ok.summary ?? "")")
        do {
            _ = try await traces.apply(request("check_traces", ["jaeger": .string(Self.jaeger), "service": .string(APIStandIn.service),
                                                               "version": "not-deployed", "min_spans": 1, "within": "2m"], schema: traces.schema))
            Issue.record("a version without spans passed")
        } catch {
            #expect("\(error)".contains("0 spans of service \(APIStandIn.service) with service.version not-deployed in the last 2m, expected at least 1; seen from other versions: \(APIStandIn.release) ("), "\(error)")
        }
        do {
            _ = try await traces.apply(request("check_traces", ["jaeger": .string(Self.jaeger), "service": .string("ogf-nothing-\(UUID().uuidString.prefix(6))"),
                                                               "version": "1", "within": "1m"], schema: traces.schema))
            Issue.record("a service without spans passed")
        } catch {
            #expect("\(error)".contains("no spans of ogf-nothing-"), "\(error)")
            #expect("\(error)".contains("is the service exporting traces (OTLP) to this backend?"), "\(error)")
        }
    }

    @Test func unreachableBackendFailsSayingSo() async throws {
        do {
            _ = try await traces.apply(request("check_traces", ["jaeger": .string("http://127.0.0.1:\(closedPort())"), "service": "api", "version": "1"], schema: traces.schema))
            Issue.record("passed without a backend")
        } catch {
            #expect("\(error)".contains("cannot query Jaeger at http://127.0.0.1:"), "\(error)")
            #expect("\(error)".contains("is the trace backend running?"), "\(error)")
        }
    }

    @Test func tempoSearchIsAskedWithTraceQLAndCountsMatchedSpans() async throws {
        let fake = RecordingHTTP(body: #"{"traces": [{"traceID": "a", "startTimeUnixNano": "1800000000000000000", "spanSets": [{"matched": 4}, {"matched": 2}]}, {"traceID": "b", "startTimeUnixNano": "1800000000000000000", "spanSet": {"spans": [{}, {}], "matched": 3}}]}"#)
        let kind = CheckTracesKind(http: fake, now: { Date(timeIntervalSince1970: 1_800_000_060) })
        let r = try await kind.apply(request("check_traces", ["tempo": "http://tempo:3200/", "service": "api", "version": "2026.11.27", "min_spans": 9, "within": "5m"], schema: kind.schema))
        #expect(r.outputs["spans"] == .int(9))
        #expect(r.outputs["traces"] == .int(2))
        let url = fake.urls.first ?? ""
        #expect(url.hasPrefix("http://tempo:3200/api/search?q="), "\(url)")
        #expect(url.removingPercentEncoding?.contains(#"{ resource.service.name = "api" && resource.service.version = "2026.11.27" }"#) == true, "\(url)")
        #expect(url.contains("&start=1799999760&end=1800000060"), "\(url)")
    }

    @Test func tracesConfigurationErrors() async throws {
        func diagnostic(_ config: [String: Value]) async -> Diagnostic? {
            let req = PlanRequest(address: ResourceAddress(kind: "check_traces", name: "t"), config: traces.schema.withDefaults(config),
                                  prior: nil, changedFields: [], refresh: false, context: context())
            do { _ = try await traces.plan(req); return nil } catch let d as Diagnostic { return d } catch { return nil }
        }
        #expect(await diagnostic(["service": "api", "version": "1"])?.field == "jaeger")
        #expect(await diagnostic(["jaeger": "http://j", "tempo": "http://t", "service": "api", "version": "1"])?.field == "tempo")
        #expect(await diagnostic(["jaeger": "http://j", "service": "api", "version": "1", "min_spans": 0])?.field == "min_spans")
        #expect(await diagnostic(["jaeger": "http://j", "service": "api", "version": ""])?.field == "version")
    }
}

/// Answers every request with one body and records the URLs asked.
final class RecordingHTTP: HTTPClient, Sendable {
    let body: String
    private let recorded = Locked<[String]>([])
    var urls: [String] { recorded.value }

    init(body: String) { self.body = body }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        recorded.withLock { $0.append(request.url) }
        return HTTPResponse(status: 200, headers: [], body: Data(body.utf8), totalTime: 0.001)
    }
}
