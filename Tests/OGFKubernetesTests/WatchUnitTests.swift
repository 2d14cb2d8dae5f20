import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
@testable import OGFObservability
import Testing

/// A clock that moves only when the watch sleeps: a 20-second watch runs in microseconds.
final class FakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var t = Date(timeIntervalSince1970: 1_800_000_000)
    var now: Date { lock.lock(); defer { lock.unlock() }; return t }
    func advance(_ s: Double) { lock.lock(); t = t.addingTimeInterval(s); lock.unlock() }
    var clock: WatchClock { WatchClock(now: { self.now }, sleep: { self.advance($0) }) }
}

/// Answers each request from a script that sees the fake clock's time.
struct ScriptedHTTP: HTTPClient {
    let answer: @Sendable (HTTPRequest) throws -> HTTPResponse
    func send(_ request: HTTPRequest) async throws -> HTTPResponse { try answer(request) }
}

func promVector(_ values: [Double]) -> HTTPResponse {
    let items = values.enumerated().map { i, v in "{\"metric\":{\"i\":\"\(i)\"},\"value\":[1800000000,\"\(v.isNaN ? "NaN" : String(v))\"]}" }
    let body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[\(items.joined(separator: ","))]}}"
    return HTTPResponse(status: 200, headers: [], body: Data(body.utf8), totalTime: 0.001)
}

func watchConfig(_ triggers: [String: Value], duration: String = "20s", interval: String = "1s") -> [String: Value] {
    WatchKind(http: ScriptedHTTP { _ in throw HTTPError("unused") }).schema.withDefaults([
        "duration": .string(duration), "interval": .string(interval),
        "rollback": .list([.string("k8s_manifest.api")]), "after": .list([.string("k8s_manifest.api")]),
        "triggers": .map(triggers),
    ])
}

func applyWatch(_ kind: WatchKind, _ config: [String: Value], prior: ResourceState? = nil,
                checkpoints: Locked<[[String: Value]]> = Locked([])) async throws -> ApplyResponse {
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
    return try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "watch", name: "release"), config: config, prior: prior,
                                             action: .check, context: ctx, progress: { _ in },
                                             checkpoint: { outs, _ in checkpoints.withLock { $0.append(outs) } }))
}

@Suite(.tags(.small))
struct WatchUnitTests {
    @Test func prometheusResultsThatAreNotOneNumberAreInconclusive() async throws {
        #expect(try PrometheusJSON.decode(promVector([0.25]).body).singleValue == .value(0.25))
        for (values, why) in [([Double](), "no series"), ([0.1, 0.2], "2 series"), ([Double.nan], "NaN")] {
            guard case .inconclusive(let reason) = try PrometheusJSON.decode(promVector(values).body).singleValue else {
                Issue.record("\(values) passed as a number"); continue
            }
            #expect(reason.contains(why), "\(reason)")
        }
        let scalar = Data("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"+Inf\"]}}".utf8)
        #expect(try PrometheusJSON.decode(scalar).singleValue == .inconclusive("the query returned +Inf"))
        let bad = Data("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}".utf8)
        #expect(throws: PrometheusError.rejected(type: "bad_data", message: "parse error")) { try PrometheusJSON.decode(bad) }
        let matrix = Data("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,\"0.5\"],[2,\"0.7\"]]}]}}".utf8)
        #expect(try PrometheusJSON.decode(matrix).singleValue == .value(0.7))
    }

    @Test func failingForCountsAContinuousStreak() {
        var t = TriggerTracker(name: "health", failingFor: 3, noDataFails: true)
        func s(_ at: Double, _ v: WatchSample.Verdict) -> WatchSample { WatchSample(offset: at, at: Date(), trigger: "health", verdict: v, detail: "x") }
        #expect(t.observe(s(0, .bad)) == nil)
        #expect(t.observe(s(1, .bad)) == nil)
        #expect(t.observe(s(2, .ok)) == nil)   // a pass ends the streak
        #expect(t.observe(s(3, .bad)) == nil)
        #expect(t.observe(s(5, .bad)) == nil)
        #expect(t.observe(s(6, .bad))?.contains("failing in 3 measurements in a row since +3s (failing_for 3s)") == true)
        // Jitter: samples 0.98 s apart still make a 3 s streak at the fourth one (interval 1 s).
        var j = TriggerTracker(name: "health", failingFor: 3, noDataFails: true, interval: 1)
        for at in [0.02, 1.0, 1.99] { #expect(j.observe(s(at, .bad)) == nil) }
        #expect(j.observe(s(2.96, .bad)) != nil)
        var ignore = TriggerTracker(name: "e", failingFor: 0, noDataFails: false)
        #expect(ignore.observe(WatchSample(offset: 0, at: Date(), trigger: "e", verdict: .inconclusive, detail: "no series")) == nil)
        #expect(ignore.conclusive == 0)
        var fail = TriggerTracker(name: "e", failingFor: 0, noDataFails: true)
        #expect(fail.observe(WatchSample(offset: 0, at: Date(), trigger: "e", verdict: .inconclusive, detail: "no series"))?.contains("no data") == true)
    }

    @Test func healthFailingLongerThanFailingForFiresWithEvidence() async throws {
        let clock = FakeClock()
        let start = clock.now
        // Healthy for 5 s, then 503 for good.
        let http = ScriptedHTTP { _ in
            let status = clock.now.timeIntervalSince(start) < 5 ? 200 : 503
            return HTTPResponse(status: status, headers: [], body: Data(), totalTime: 0.001)
        }
        let kind = WatchKind(http: http, clock: clock.clock)
        let config = watchConfig(["health": .map(["http": .map(["url": "http://127.0.0.1:1/health"]), "failing_for": "3s"])])
        let checkpoints = Locked<[[String: Value]]>([])
        do {
            _ = try await applyWatch(kind, config, checkpoints: checkpoints)
            Issue.record("the watch passed")
        } catch let t as WatchTriggered {
            #expect(t.trigger == "health")
            #expect(t.rollback == ["k8s_manifest.api"])
            #expect(t.reason.contains("status 503"), "\(t.reason)")
            // First bad sample at 5 s; fires at 8 s: the window, not later.
            #expect(clock.now.timeIntervalSince(start) == 8)
            #expect(t.evidence.last?.hasPrefix("+8.0s health bad") == true, "\(t.evidence)")
            #expect(t.outputs["verified"] == .bool(false))
            #expect(t.outputs["watch"] == .string("triggered"))
        }
        #expect(checkpoints.withLock { $0.count } == 8)
    }

    @Test func aQuietWindowIsVerifiedAndNoDataIsNot() async throws {
        let clock = FakeClock()
        let http = ScriptedHTTP { r in
            r.url.contains("/api/v1/query") ? promVector([0.01]) : HTTPResponse(status: 200, headers: [], body: Data(), totalTime: 0.001)
        }
        let kind = WatchKind(http: http, clock: clock.clock)
        let good = try await applyWatch(kind, watchConfig([
            "health": .map(["http": .map(["url": "http://x/health"])]),
            "error_rate": .map(["prometheus": .map(["url": "http://prom", "query": "q"]), "above": .double(0.05)]),
        ]))
        #expect(good.outputs["verified"] == .bool(true))
        #expect(good.outputs["measurements"] == .int(40))
        #expect((good.outputs["evidence"]?.listValue?.count ?? 0) == 40)

        // no_data: ignore never fires, but a trigger that never measured leaves the release unverified.
        let empty = WatchKind(http: ScriptedHTTP { _ in promVector([]) }, clock: FakeClock().clock)
        let silent = try await applyWatch(empty, watchConfig([
            "error_rate": .map(["prometheus": .map(["url": "http://prom", "query": "q"]), "above": .double(0.05), "no_data": "ignore"]),
        ]))
        #expect(silent.outputs["verified"] == .bool(false))
        #expect(silent.summary?.contains("no data from error_rate") == true)
        // no_data: fail (the default) fires with the reason.
        do {
            _ = try await applyWatch(empty, watchConfig([
                "error_rate": .map(["prometheus": .map(["url": "http://prom", "query": "q"]), "above": .double(0.05), "failing_for": "3s"]),
            ]))
            Issue.record("no data passed")
        } catch let t as WatchTriggered {
            #expect(t.reason.contains("no data"), "\(t.reason)")
        }
    }

    @Test func errorRateOnlyWithinItsWindow() async throws {
        let clock = FakeClock()
        let start = clock.now
        let http = ScriptedHTTP { _ in promVector([clock.now.timeIntervalSince(start) >= 12 ? 0.5 : 0.0]) }
        let kind = WatchKind(http: http, clock: clock.clock)
        // Bad only after 12 s, but evaluated only in the first 10 s: passes.
        let r = try await applyWatch(kind, watchConfig([
            "error_rate": .map(["prometheus": .map(["url": "http://prom", "query": "q"]), "above": .double(0.05), "within": "10s"]),
        ]))
        #expect(r.outputs["verified"] == .bool(true))
    }

    @Test func baselineComparesWithThePreviousRelease() async throws {
        // A steady 6% on both releases does not fire; 0.1% → 4% does.
        for (previous, current, fires) in [(0.06, 0.06, false), (0.001, 0.04, true)] {
            let http = ScriptedHTTP { r in
                let body = String(decoding: r.body ?? Data(), as: UTF8.self)
                return promVector([body.contains("v2") ? current : previous])
            }
            let kind = WatchKind(http: http, clock: FakeClock().clock)
            let recorded = ResourceState(kind: "k8s_manifest", attributes: [:], outputs: [
                "release": .int(2), "releases": .list([.map(["release": .int(1), "version": "v1"]), .map(["release": .int(2), "version": "v2"])]),
            ], sensitivePaths: [], dependencies: [], appliedAt: Date(), ogfVersion: "t", durationMs: nil)
            var ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
            ctx.recorded = { $0.description == "k8s_manifest.api" ? recorded : nil }
            let config = watchConfig(["error_rate": .map(["prometheus": .map(["url": "http://prom", "query": "sum(x{version=\"$version\"})"]),
                                                          "baseline": "previous", "max_ratio": .double(2), "above": .double(0.01)])])
            do {
                _ = try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "watch", name: "w"), config: config, prior: nil,
                                                      action: .check, context: ctx, progress: { _ in }))
                #expect(!fires, "\(previous) → \(current) should have fired")
            } catch let t as WatchTriggered {
                #expect(fires, "\(previous) → \(current) fired: \(t.reason)")
                #expect(t.reason.contains("previous release"), "\(t.reason)")
            }
        }
    }

    @Test func aResumedWatchWatchesOnlyTheRemainingWindow() async throws {
        let clock = FakeClock()
        let ok = ScriptedHTTP { _ in HTTPResponse(status: 200, headers: [], body: Data(), totalTime: 0.001) }
        let config = watchConfig(["health": .map(["http": .map(["url": "http://x/health"])])])
        // A first run killed after 7 measurements: its last checkpoint is what the journal kept.
        let checkpoints = Locked<[[String: Value]]>([])
        let stopping = WatchKind(http: ok, clock: WatchClock(now: { clock.now }, sleep: { s in
            if checkpoints.withLock({ $0.count }) >= 7 { throw CancellationError() }
            clock.advance(s)
        }))
        await #expect(throws: CancellationError.self) { try await applyWatch(stopping, config, checkpoints: checkpoints) }
        let journaled = try #require(checkpoints.withLock { $0.last })
        #expect(journaled["watch"] == .string("unfinished"))
        #expect(journaled["verified"] == .bool(false))
        let prior = ResourceState(kind: "watch", attributes: [:], outputs: [:], sensitivePaths: [], dependencies: [], appliedAt: Date(),
                                  ogfVersion: "t", durationMs: nil, status: .tainted,
                                  lastFailure: FailureRecord(message: "unfinished", at: Date(), outputs: journaled))
        let before = clock.now
        let resumed = try await applyWatch(WatchKind(http: ok, clock: clock.clock), config, prior: prior)
        // Killed in the sleep after the 7th measurement (at 6 s): 14 s are left, measured again from 6 s.
        #expect(journaled["watched_s"] == .double(6))
        #expect(clock.now.timeIntervalSince(before) == 14)
        #expect(resumed.outputs["measurements"] == .int(21))      // the evidence so far is kept
        #expect(resumed.outputs["verified"] == .bool(true))
    }
}
