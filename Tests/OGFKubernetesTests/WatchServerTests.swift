import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import OGFObservability
import Testing

/// The watch kind against the real Prometheus (scraping a loopback fixture) and the Kubernetes
/// emulator, with the real clock: `duration: 20s`, `interval: 1s`, `failing_for: 3s`.
@Suite(.tags(.medium))
struct WatchServerTests {
    func request(_ config: [String: Value], context: KindContext? = nil) -> ApplyRequest {
        ApplyRequest(address: ResourceAddress(kind: "watch", name: "release"), config: config, prior: nil, action: .check,
                     context: context ?? KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:]),
                     progress: { _ in })
    }

    func config(_ triggers: [String: Value], duration: String = "20s") -> [String: Value] {
        WatchKind(http: CurlHTTPClient()).schema.withDefaults([
            "duration": .string(duration), "interval": "1s", "after": .list(["k8s_manifest.api"]), "rollback": .list(["k8s_manifest.api"]),
            "triggers": .map(triggers),
        ])
    }

    @Test func errorRateFiresOnABadRelease() async throws {
        let fixture = try await MetricsFixture()
        try await fixture.register()
        try await fixture.control("version=v1&error=0.3")
        // Read back through Prometheus's API: the release is bad there too.
        let seen = try await fixture.waitForErrorRate { $0 > 0.2 }
        #expect(seen > 0.05)
        let started = Date()
        do {
            _ = try await WatchKind(http: CurlHTTPClient()).apply(request(config([
                "error_rate": .map(["prometheus": .map(["url": .string(PrometheusServer.url), "query": .string(fixture.errorRateQuery())]),
                                    "above": .double(0.05), "within": "10s"]),
            ])))
            Issue.record("a 30% error rate passed the watch")
        } catch let t as WatchTriggered {
            #expect(t.trigger == "error_rate")
            #expect(t.reason.contains("> above 0.05"), "\(t.reason)")
            #expect(t.rollback == ["k8s_manifest.api"])
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test func errorRateHoldsForAGoodRelease() async throws {
        let fixture = try await MetricsFixture()
        try await fixture.register()
        _ = try await fixture.waitForErrorRate { $0 == 0 }
        let r = try await WatchKind(http: CurlHTTPClient()).apply(request(config([
            "error_rate": .map(["prometheus": .map(["url": .string(PrometheusServer.url), "query": .string(fixture.errorRateQuery())]),
                                "above": .double(0.05)]),
            "health": .map(["http": .map(["url": .string(fixture.base + "/health")]), "failing_for": "3s"]),
        ])))
        #expect(r.outputs["verified"] == .bool(true))
        #expect(r.outputs["watch"] == .string("passed"))
        #expect((r.outputs["measurements"]?.intValue ?? 0) >= 4)   // 40 on a quiet machine; each trigger measured
    }

    @Test func noDataIsNeverAPass() async throws {
        let fixture = try await MetricsFixture()
        try await fixture.register()
        // A label no series has: Prometheus answers an empty vector.
        let query = "sum(rate(http_requests_total{fixture=\"\(fixture.name)\",job=\"no-such-job\"}[4s]))"
        #expect(try await PrometheusServer.client.query(query).series.isEmpty)
        let started = Date()
        do {
            _ = try await WatchKind(http: CurlHTTPClient()).apply(request(config([
                "error_rate": .map(["prometheus": .map(["url": .string(PrometheusServer.url), "query": .string(query)]),
                                    "above": .double(0.05), "failing_for": "3s"]),
            ])))
            Issue.record("no data passed")
        } catch let t as WatchTriggered {
            #expect(t.reason.contains("no data"), "\(t.reason)")
            #expect(Date().timeIntervalSince(started) >= 3)
        }
        // Prometheus unreachable is no data too.
        do {
            _ = try await WatchKind(http: CurlHTTPClient()).apply(request(config([
                "error_rate": .map(["prometheus": .map(["url": "http://127.0.0.1:9", "query": "up"]), "above": .double(0.05)]),
            ])))
            Issue.record("an unreachable Prometheus passed")
        } catch let t as WatchTriggered {
            #expect(t.reason.contains("cannot be reached"), "\(t.reason)")
        }
    }

    @Test func baselineAgainstThePreviousReleaseInPrometheus() async throws {
        // Both releases at a steady 6%: not worse than before, no rollback; then v2 jumps.
        let fixture = try await MetricsFixture(versions: ["v1", "v2"])
        try await fixture.register()
        try await fixture.control("version=v1&error=0.06")
        try await fixture.control("version=v2&error=0.06")
        _ = try await fixture.waitForErrorRate(version: "v2") { abs($0 - 0.06) < 0.01 }
        let recorded = ResourceState(kind: "k8s_manifest", attributes: [:], outputs: [
            "release": .int(2), "releases": .list([.map(["release": .int(1), "version": "v1"]), .map(["release": .int(2), "version": "v2"])]),
        ], sensitivePaths: [], dependencies: [], appliedAt: Date(), ogfVersion: "t", durationMs: nil)
        var ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
        ctx.recorded = { $0.description == "k8s_manifest.api" ? recorded : nil }
        let query = fixture.errorRateQuery(version: "$version")
        let trigger: Value = .map(["prometheus": .map(["url": .string(PrometheusServer.url), "query": .string(query)]),
                                   "baseline": "previous", "max_ratio": .double(2), "above": .double(0.01)])
        let steady = try await WatchKind(http: CurlHTTPClient()).apply(request(config(["error_rate": trigger], duration: "4s"), context: ctx))
        #expect(steady.outputs["verified"] == .bool(true))
        try await fixture.control("version=v1&error=0.001")
        try await fixture.control("version=v2&error=0.04")
        _ = try await fixture.waitForErrorRate(version: "v1") { $0 < 0.01 }
        do {
            _ = try await WatchKind(http: CurlHTTPClient()).apply(request(config(["error_rate": trigger], duration: "20s"), context: ctx))
            Issue.record("0.1% → 4% passed")
        } catch let t as WatchTriggered {
            #expect(t.reason.contains("previous release"), "\(t.reason)")
        }
    }

    @Test func invalidPromQLIsAnErrorAtPlanTime() async throws {
        let kind = WatchKind(http: CurlHTTPClient())
        let plan = PlanRequest(address: ResourceAddress(kind: "watch", name: "release"),
                               config: config(["error_rate": .map(["prometheus": .map(["url": .string(PrometheusServer.url), "query": "sum(rate(x[1m]"]),
                                                                   "above": .double(0.05)])]),
                               prior: nil, changedFields: [], refresh: true,
                               context: KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:]))
        do {
            _ = try await kind.plan(plan)
            Issue.record("invalid PromQL planned")
        } catch let d as Diagnostic {
            #expect(d.field == "triggers.error_rate.prometheus.query")
            #expect(d.summary.contains("rejected the query (bad_data)"), "\(d.summary)")
        }
    }

    @Test func crashesOfTheRolledOutPodsFire() async throws {
        let emu = try await Emulator()
        let project = try Project(emu)
        try project.write("api.yaml", namespace("watch-crash") + "---\n" + deployment("api"))
        let mc = project.config(["api.yaml"], namespace: "watch-crash", values: ["image": "registry.local/api:v1"])
        let (state, failure) = await project.apply(mc, prior: nil)
        #expect(failure == nil)
        var ctx = project.context()
        ctx.recorded = { $0.description == "k8s_manifest.api" ? state : nil }
        let crashes: [String: Value] = ["crashes": .map(["kubernetes": .map(["resource": "k8s_manifest.api", "restarts_above": .int(3)])])]
        let kind = WatchKind(http: CurlHTTPClient())
        // Healthy pods: no restarts counted.
        let quiet = try await kind.apply(request(config(crashes, duration: "3s"), context: ctx))
        #expect(quiet.outputs["verified"] == .bool(true))
        // Two pods restart twice each: 4 restarts > 3.
        let pods = try await emu.kubectl("-n", "watch-crash", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " ")
        #expect(pods.count == 2)
        let watch = Task { try await kind.apply(request(config(crashes), context: ctx)) }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        for pod in pods {
            try await emu.kubectl("-n", "watch-crash", "patch", "pod", String(pod), "--subresource=status", "--type=strategic",
                            "-p", "{\"status\":{\"containerStatuses\":[{\"name\":\"api\",\"restartCount\":2}]}}")
        }
        do {
            _ = try await watch.value
            Issue.record("4 restarts passed")
        } catch let t as WatchTriggered {
            #expect(t.trigger == "crashes")
            #expect(t.reason.contains("4 restarts in 2 pods > 3"), "\(t.reason)")
        }
        // Read back with kubectl: the counts are what the emulator reports.
        let counts = try await emu.kubectl("-n", "watch-crash", "get", "pods", "-o", "jsonpath={.items[*].status.containerStatuses[0].restartCount}")
        #expect(counts.split(separator: " ").map(String.init) == ["2", "2"])
    }
}
