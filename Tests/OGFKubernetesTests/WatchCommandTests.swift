import Foundation
import OGFCore
import OGFTestSupport
import Testing

/// `ogf apply` with a watch after the rollout, `ogf watch` resuming a killed one, and the
/// configuration errors, as a user runs them: the built binary against the emulator, the shared
/// Prometheus and a metrics fixture whose /health a test switches. Serialized: each test blocks
/// a thread while the binary runs, and the killed-watch test must poll the journal meanwhile.
@Suite(.serialized, .tags(.medium))
struct WatchCommandTests {
    let emu: Emulator
    let fixture: MetricsFixture
    let root: String
    let ns = "watch-\(UUID().uuidString.prefix(6).lowercased())"

    init() async throws {
        emu = try await Emulator()
        fixture = try await MetricsFixture()
        root = emu.dir + "/project"
        for d in ["environments", "plans/k8s", "state"] {
            try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-release\ndata:\n  RELEASE: \"${values.image}\"\n"
        try (namespace(ns) + "---\n" + config + "---\n" + deployment("api")).write(toFile: root + "/plans/k8s/api.yaml", atomically: true, encoding: .utf8)
    }

    func environment(release: String, watch: String) throws {
        try """
        environment: dev
        resources:
          k8s_manifest.api:
            kubeconfig: \(emu.kubeconfig)
            files: [plans/k8s/api.yaml]
            namespace: \(ns)
            version: "\(release)"
            values: {image: "registry.local/api:\(release)"}
            timeout: 20s
        \(watch)
        """.write(toFile: root + "/environments/dev.yaml", atomically: true, encoding: .utf8)
    }

    var healthWatch: String {
        """
          watch.release:
            after: [k8s_manifest.api]
            duration: 20s
            interval: 1s
            rollback: [k8s_manifest.api]
            triggers:
              health:
                http: {url: "\(fixture.base)/health", expect_status: 200}
                failing_for: 3s
        """
    }

    func start(_ args: [String]) throws -> Child {
        try Child(RollbackCommandTests.ogf, args + ["-C", root], output: .merged)
    }

    @discardableResult
    func ogf(_ args: String...) async throws -> (Int32, String) {
        let r = try await start(args).wait()
        return (r.code, r.outText)
    }

    func image() async throws -> String {
        try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    }

    func state() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/state/dev.json"))) as! [String: Any]
    }

    /// Waits until the watch journaled progress (its first checkpoint), then a little more.
    func journaledProgress(_ journal: String) async throws -> Bool {
        // Up to 2 minutes: under a full parallel test run the apply reaches its watch late.
        for _ in 0..<2400 {
            if let text = try? String(contentsOfFile: journal, encoding: .utf8), text.contains("\"watch\":\"unfinished\"") {
                try await Task.sleep(nanoseconds: 2_500_000_000)
                return true
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    @Test func aHealthTriggerRollsTheReleaseBackAndFailsTheApply() async throws {
        try environment(release: "v1", watch: healthWatch)
        let (good, goodOut) = try await ogf("apply", "dev", "-auto-approve")
        #expect(good == 0, "\(goodOut)")
        #expect(goodOut.contains("watch.release"), "\(goodOut)")
        var resources = try state()["resources"] as! [String: Any]
        var watch = resources["watch.release"] as! [String: Any]
        #expect((watch["outputs"] as? [String: Any])?["verified"] as? Bool == true)

        // v2 is unhealthy: /health answers 503 from now on.
        try await fixture.control("health=503")
        try environment(release: "v2", watch: healthWatch)
        let started = Date()
        let (code, out) = try await ogf("apply", "dev", "-auto-approve")
        #expect(code == 1, "\(out)")
        #expect(out.contains("watch.release: trigger health fired: status 503"), "\(out)")
        #expect(out.contains("Rolling back k8s_manifest.api to release 1 (watch.release: health)"), "\(out)")
        #expect(out.contains("Rollback to 1 complete"), "\(out)")
        #expect(Date().timeIntervalSince(started) < 20, "the trigger waited for the whole window")
        // Read back with kubectl: the previous image is running again.
        #expect(try await image() == "registry.local/api:v1")
        // The release's ConfigMap went back with it.
        #expect(try await emu.kubectl("-n", ns, "get", "configmap", "api-release", "-o", "jsonpath={.data.RELEASE}") == "registry.local/api:v1")
        let ready = try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.status.readyReplicas}")
        #expect(ready == "2")
        // History: the rollback names the trigger and its evidence; the watch is not verified.
        let st = try state()
        let history = st["history"] as! [[String: Any]]
        let rollback = try #require(history.last)
        #expect(rollback["operation"] as? String == "rollback --to 1")
        let trigger = try #require(rollback["trigger"] as? [String: Any])
        #expect(trigger["trigger"] as? String == "health")
        #expect(trigger["watch"] as? String == "watch.release")
        #expect(((trigger["evidence"] as? [String]) ?? []).contains { $0.contains("status 503") })
        resources = st["resources"] as! [String: Any]
        watch = resources["watch.release"] as! [String: Any]
        #expect(watch["status"] as? String == "tainted")
        #expect(((watch["last_failure"] as? [String: Any])?["outputs"] as? [String: Any])?["verified"] as? Bool == false)
        let (_, shown) = try await ogf("state", "show", "dev")
        #expect(shown.contains("rollback --to 1"), "\(shown)")
        #expect(shown.contains("automatic: watch.release trigger health fired: status 503"), "\(shown)")
    }

    @Test func aKilledWatchIsUnfinishedAndResumes() async throws {
        // 30 s: room for the kill to land inside the window on a loaded machine.
        try environment(release: "v1", watch: healthWatch.replacingOccurrences(of: "duration: 20s", with: "duration: 30s"))
        let p = try start(["apply", "dev", "-auto-approve"])
        // Kill ogf hard in the middle of the watch, once it has journaled some progress.
        let journal = root + "/state/dev.journal"
        #expect(try await journaledProgress(journal))
        p.signal(SIGKILL)
        _ = await p.wait()

        let (planCode, plan) = try await ogf("plan", "dev")
        #expect(planCode == 0, "\(plan)")
        #expect(plan.contains("unfinished:"), "\(plan)")
        #expect(plan.contains("not passed"), "\(plan)")

        let (code, resumed) = try await ogf("watch", "dev")
        #expect(code == 0, "\(resumed)")
        #expect(resumed.contains("resuming:"), "\(resumed)")
        #expect(!resumed.contains("resuming: 0ms of"), "\(resumed)")
        let watch = (try state()["resources"] as! [String: Any])["watch.release"] as! [String: Any]
        let outputs = watch["outputs"] as! [String: Any]
        #expect(outputs["verified"] as? Bool == true)
        // A restart would measure exactly 30 times; the resumed watch keeps the measurements before
        // the kill and measures again from where the journal says it was.
        #expect((outputs["measurements"] as? Int ?? 0) > 30, "\(outputs)")
        #expect(outputs["watched_s"] as? Double == 30 || outputs["watched_s"] as? Int == 30, "\(outputs)")
        let history = try state()["history"] as! [[String: Any]]
        #expect(history.last?["operation"] as? String == "watch", "the resumed run is recorded as a watch, not an apply")
        // Nothing is due afterwards.
        let (_, again) = try await ogf("watch", "dev")
        #expect(again.contains("No watch is due"), "\(again)")
    }

    @Test func aFirstInterruptStopsTheWatchResumably() async throws {
        // A long window, so the interrupt lands inside it however slow the machine is.
        try environment(release: "v1", watch: healthWatch.replacingOccurrences(of: "duration: 20s", with: "duration: 120s"))
        let p = try start(["apply", "dev", "-auto-approve"])
        let journal = root + "/state/dev.journal"
        #expect(try await journaledProgress(journal))
        let interrupted = Date()
        p.signal(SIGINT)
        let r = await p.wait()
        let text = r.outText
        #expect(r.code == 130, "\(text)")
        #expect(Date().timeIntervalSince(interrupted) < 30, "the first interrupt waited for the window")
        #expect(text.contains("`ogf watch dev` resumes it"), "\(text)")
        let (_, plan) = try await ogf("plan", "dev")
        #expect(plan.contains("unfinished:"), "\(plan)")
    }

    @Test func badWatchConfigurationIsReportedAtItsLine() async throws {
        try environment(release: "v1", watch: """
          watch.release:
            after: [k8s_manifest.api]
            duration: 20s
            rollback: [k8s_manifest.apx]
            triggers:
              health:
                failing_for: 3s
        """)
        let (code, out) = try await ogf("plan", "dev")
        #expect(code == 1)
        #expect(out.contains("environments/dev.yaml:13:16: error: rollback: undeclared resource k8s_manifest.apx"), "\(out)")

        try environment(release: "v1", watch: """
          watch.release:
            after: [k8s_manifest.api]
            duration: 20s
            rollback: [k8s_manifest.api]
            triggers:
              health:
                failing_for: 3s
        """)
        let (code2, out2) = try await ogf("plan", "dev")
        #expect(code2 == 1)
        #expect(out2.contains("environments/dev.yaml:16:9: error: watch.release.triggers.health: has no source"), "\(out2)")

        try environment(release: "v1", watch: """
          watch.release:
            after: [k8s_manifest.api]
            duration: 20s
            rollback: [k8s_manifest.api]
            triggers:
              error_rate:
                prometheus:
                  url: \(PrometheusServer.url)
                  query: sum(rate(http_requests_total[1m]
                above: 0.05
        """)
        let (code3, out3) = try await ogf("plan", "dev")
        #expect(code3 == 1)
        #expect(out3.contains("environments/dev.yaml:18:18: error: watch.release.triggers.error_rate.prometheus.query: Prometheus rejected the query (bad_data)"), "\(out3)")
    }
}
