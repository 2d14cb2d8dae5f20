import Foundation
import OGFCore
import Testing
@testable import OGFKinds

/// check_load against the loopback fixture (Tests/Support/http_fixture.py, `/load/KEY`): known
/// latency, a known share of slow requests and a known share of errors, each threshold passing
/// and failing. Every key is new per test, so the fixture's counters start at zero.
@Suite struct CheckLoadTests {
    let kind = CheckLoadKind()

    init() async throws { try await HTTPFixture.ready() }

    func url(_ query: String) -> String { "\(HTTPFixture.base)/load/\(UUID().uuidString.prefix(8))?\(query)" }

    func run(_ config: [String: Value]) async throws -> Result<ApplyResponse, ResourceFailure> {
        do {
            return .success(try await kind.apply(request("check_load", config, schema: kind.schema)))
        } catch let f as ResourceFailure {
            return .failure(f)
        }
    }

    func outputs(_ r: Result<ApplyResponse, ResourceFailure>) -> [String: Value] {
        switch r {
        case .success(let a): return a.outputs
        case .failure(let f): return f.outputs
        }
    }

    @Test func passesWithinEveryThresholdAndRecordsEvidence() async throws {
        let r = try await run(["urls": .list([.string(url("ms=20"))]), "requests": .int(40), "concurrency": .int(4),
                               "max_p50": .string("1s"), "max_p95": .string("2s"), "max_p99": .string("2s"), "max_error_rate": .double(0)])
        guard case .success(let a) = r else { Issue.record("expected a pass, got \(r)"); return }
        let o = a.outputs
        #expect(o["requests"] == .int(40))
        #expect(o["errors"] == .int(0))
        #expect(o["stopped_by"] == .string("requests"))
        #expect((o["p50_ms"]?.doubleValue ?? 0) >= 20, "the server waits 20ms per request")
        #expect((o["rate"]?.doubleValue ?? 0) > 0)
        #expect(o["statuses"] == .map(["200": .int(40)]))
        guard case .list(let hist)? = o["histogram"] else { Issue.record("no histogram"); return }
        #expect(hist.count == 8)
        #expect(a.summary?.hasPrefix("40 requests in ") == true)
    }

    @Test func eachLatencyThresholdFails() async throws {
        // Every request 60ms: p50 over 30ms.
        let p50 = try await run(["urls": .list([.string(url("ms=60"))]), "requests": .int(12), "concurrency": .int(4), "max_p50": .string("30ms")])
        guard case .failure(let f50) = p50 else { Issue.record("p50 should fail"); return }
        #expect(f50.message.contains("p50 "), "\(f50.message)")
        #expect(f50.message.contains("is over max_p50 30ms"))
        #expect((f50.outputs["p50_ms"]?.doubleValue ?? 0) >= 60)

        // One request in 10 takes 400ms: the median passes, p95 fails.
        let q95 = "ms=1&slow_every=10&slow_ms=400"
        let p95 = try await run(["urls": .list([.string(url(q95))]), "requests": .int(40), "concurrency": .int(8),
                                 "max_p50": .string("200ms"), "max_p95": .string("200ms")])
        guard case .failure(let f95) = p95 else { Issue.record("p95 should fail"); return }
        #expect(f95.message.contains("is over max_p95 200ms"), "\(f95.message)")
        #expect(!f95.message.contains("max_p50"))

        // One request in 50 is slow: p95 passes, p99 fails.
        let q99 = "ms=1&slow_every=50&slow_ms=400"
        let p99 = try await run(["urls": .list([.string(url(q99))]), "requests": .int(100), "concurrency": .int(8),
                                 "max_p95": .string("200ms"), "max_p99": .string("200ms")])
        guard case .failure(let f99) = p99 else { Issue.record("p99 should fail"); return }
        #expect(f99.message.contains("is over max_p99 200ms"), "\(f99.message)")
        #expect(!f99.message.contains("max_p95"))
        // And with a limit above the slow requests, the same load passes.
        let ok = try await run(["urls": .list([.string(url(q99))]), "requests": .int(100), "concurrency": .int(8), "max_p99": .string("5s")])
        if case .failure(let f) = ok { Issue.record("should pass: \(f.message)") }
    }

    @Test func errorRateThresholdPassesAndFails() async throws {
        // Every 10th request answers 500: exactly 10%.
        let bad = try await run(["urls": .list([.string(url("error_every=10"))]), "requests": .int(50), "concurrency": .int(4), "max_error_rate": .double(0.05)])
        guard case .failure(let f) = bad else { Issue.record("10% errors over 5% should fail"); return }
        #expect(f.message.contains("error rate 10.0% (5 of 50) is over max_error_rate 5.0%"), "\(f.message)")
        #expect(f.outputs["error_rate"] == .double(0.1))
        #expect(f.outputs["statuses"] == .map(["200": .int(45), "500": .int(5)]))
        let good = try await run(["urls": .list([.string(url("error_every=10"))]), "requests": .int(50), "concurrency": .int(4), "max_error_rate": .double(0.2)])
        if case .failure(let f) = good { Issue.record("10% under 20% should pass: \(f.message)") }
    }

    @Test func transportErrorsCountAsErrors() async throws {
        let r = try await run(["urls": .list([.string("http://127.0.0.1:\(closedPort())/")]), "requests": .int(5), "concurrency": .int(2), "max_error_rate": .double(0.5)])
        guard case .failure(let f) = r else { Issue.record("a closed port should fail"); return }
        #expect(f.outputs["errors"] == .int(5))
        #expect(f.outputs["statuses"] == .map(["error": .int(5)]))
        #expect(f.message.contains("first transport error:"))
    }

    @Test func stopsByItselfAtTheTimeLimit() async throws {
        let start = Date()
        let r = try await run(["urls": .list([.string(url("ms=50"))]), "requests": .int(100_000), "concurrency": .int(2), "duration": .string("1s")])
        let took = Date().timeIntervalSince(start)
        let o = outputs(r)
        #expect(o["stopped_by"] == .string("duration"))
        #expect(took < 5, "bounded by duration: took \(took)s")
        #expect((o["requests"]?.intValue ?? 0) > 0)
        #expect((o["requests"]?.intValue ?? 0) < 100)
    }

    @Test func cancellingStopsTheTestAtOnce() async throws {
        let config: [String: Value] = ["urls": .list([.string(url("ms=50"))]), "requests": .int(100_000), "concurrency": .int(2), "duration": .string("60s")]
        let start = Date()
        let task = Task { try await kind.apply(request("check_load", config, schema: kind.schema)) }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let result = await task.result
        // Without cancellation this runs for its 60 s duration; the bound leaves room for a loaded
        // machine (a full parallel test run on two cores), not for ignoring the cancel.
        #expect(Date().timeIntervalSince(start) < 20, "stopped long before its 60 s duration")
        guard case .failure(let e) = result else { Issue.record("a cancelled load test must not pass"); return }
        #expect(e is CancellationError, "\(e)")
    }

    @Test func rateSpacesTheRequests() async throws {
        // 10 requests at 20/s: the last starts 450ms after the first.
        let r = try await run(["urls": .list([.string(url("ms=0"))]), "requests": .int(10), "concurrency": .int(4), "rate": .double(20)])
        let o = outputs(r)
        #expect(o["requests"] == .int(10))
        #expect((o["elapsed_s"]?.doubleValue ?? 0) >= 0.44)
        #expect((o["rate"]?.doubleValue ?? 99) <= 22.5)
    }

    @Test func postsTheBody() async throws {
        // The fixture answers POST like GET; the body and method reach it without a 100-continue wait.
        let r = try await run(["urls": .list([.string(url("ms=0"))]), "method": .string("POST"), "body": .string("{\"device_id\": 1, \"watts\": 420}"),
                               "headers": .map(["Content-Type": .string("application/json")]), "requests": .int(20), "concurrency": .int(4),
                               "max_p99": .string("900ms")])
        if case .failure(let f) = r { Issue.record("\(f.message)") }
        #expect(outputs(r)["statuses"] == .map(["200": .int(20)]))
    }

    @Test func configurationIsBounded() async throws {
        for (field, value, text) in [("duration", Value.string("2h"), "at most 1h"), ("requests", .int(0), "between 1 and 1,000,000"),
                                     ("concurrency", .int(5000), "between 1 and 1024"), ("max_error_rate", .double(5), "between 0 and 1")] {
            var config: [String: Value] = ["urls": .list([.string("http://127.0.0.1:1/")])]
            config[field] = value
            do {
                _ = try await kind.apply(request("check_load", config, schema: kind.schema))
                Issue.record("\(field): \(value) should be refused")
            } catch let d as Diagnostic {
                #expect(d.field == field, "\(d)")
                #expect(d.description.contains(text), "\(d)")
            }
        }
    }
}
