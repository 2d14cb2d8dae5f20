import Foundation
import OGFConfig
import OGFCore
import OGFGraph
import OGFKinds
import OGFPlan
import OGFState
import Testing
@testable import OGFApply

/// A managed kind that sleeps, optionally fails, and echoes a value as its output.
struct FakeKind: ResourceKind {
    let name = "fake"
    let role = ResourceRole.managed
    let summary = "test double"
    let schema = Schema([
        FieldSpec("ms", .int, default: 0, doc: "sleep"),
        FieldSpec("fail", .bool, default: false, doc: "fail"),
        FieldSpec("echo", .any, doc: "copied to the output"),
        FieldSpec("busy_ms", .int, default: 0, doc: "block without looking at cancellation"),
        FieldSpec("checkpoints", .int, default: 0, doc: "progress checkpoints to record before finishing"),
    ])
    let outputs = ["value": "the echo"]
    let concurrency: Locked<(now: Int, peak: Int)>

    func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        concurrency.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
        defer { concurrency.withLock { $0.now -= 1 } }
        for i in 0..<(request.config["checkpoints"]?.intValue ?? 0) { await request.checkpoint(["step": .int(i)], "step \(i)") }
        if let busy = request.config["busy_ms"]?.intValue, busy > 0 { usleep(useconds_t(busy * 1000)) }
        if let ms = request.config["ms"]?.intValue, ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
        if request.config["fail"]?.boolValue == true { throw ResourceFailure("it was told to fail", outputs: ["value": "partial"]) }
        return ApplyResponse(outputs: ["value": request.config["echo"] ?? .null], summary: "ok")
    }
}

struct Recorder: ApplyHooks {
    let events = Locked([String]())
    func handle(_ event: ApplyEvent) {
        let line: String
        switch event {
        case .started(let a, _): line = "start \(a)"
        case .succeeded(let a, _, _, _): line = "ok \(a)"
        case .failed(let a, _, _, let m): line = "fail \(a): \(m)"
        case .skipped(let a, let c): line = "skip \(a) (\(c))"
        default: return
        }
        events.withLock { $0.append(line) }
    }
}

struct Harness {
    let registry: KindRegistry
    let concurrency = Locked((now: 0, peak: 0))
    let dir: String

    init() {
        registry = KindRegistry([FakeKind(concurrency: concurrency), GateSecretKind()])
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-apply-\(UUID().uuidString)").path
    }

    func run(_ yaml: String, parallelism: Int = 10, env: [String: String] = [:], control: WalkControl = WalkControl(),
             hooks: any ApplyHooks = NoHooks(), wrap: (StateWriter) -> any StateRecorder = { $0 }) async throws -> (ApplyReport, StateFile) {
        let (config, diags) = ConfigLoader(root: "/p", reader: MemoryFileReader(["/p/environments/t.yaml": yaml]), registry: registry).load(environment: "t")
        try diags.throwIfErrors()
        let store = StateStore(directory: dir, environment: "t")
        let state = try store.compactIfNeeded().state
        let ctx = KindContext(environment: "t", isProtected: false, projectRoot: "/p", variables: env)
        let (plan, pd) = await Planner(config: config!, registry: registry, prior: state.priorState, environment: env, context: ctx).plan()
        try pd.throwIfErrors()
        let writer = wrap(try StateWriter(store: store, state: state))
        let report = await Applier(plan: plan!, config: config!, registry: registry, environment: env, context: ctx, writer: writer,
                                   parallelism: parallelism, hooks: hooks, control: control).run()
        return (report, try await writer.finish())
    }
}

extension StateFile {
    var priorState: PriorState { PriorState(lineage: lineage, serial: serial, hasher: hasher, resources: resources) }
}

@Suite struct ApplierTests {
    @Test func failureSkipsDependentsAndIndependentWorkFinishes() async throws {
        let h = Harness()
        let rec = Recorder()
        let (report, state) = try await h.run("""
        resources:
          fake.a: {}
          fake.bad: {fail: true}
          fake.child: {depends_on: [fake.bad]}
          fake.grandchild: {echo: "${fake.child.value}"}
          fake.other: {depends_on: [fake.a]}
        """, hooks: rec)
        #expect(report.summaryLine == "Apply failed: 2 succeeded, 1 failed (fake.bad), 2 skipped.")
        #expect(Set(state.resources.keys.map(\.description)) == ["fake.a", "fake.bad", "fake.other"])
        let bad = state.resources[ResourceAddress(kind: "fake", name: "bad")]
        #expect(bad?.status == .tainted)
        #expect(bad?.outputs == [:], "a failed create has no last good outputs")
        #expect(bad?.lastFailure?.message == "it was told to fail")
        #expect(bad?.lastFailure?.outputs["value"] == "partial")
        #expect(rec.events.value.contains("skip fake.grandchild (fake.bad)"))
        #expect(state.history.last?.outcome == .failed)
        #expect(state.history.last?.failed == ["fake.bad"])
    }

    @Test func outputsFlowToDependentsAtApplyTime() async throws {
        let h = Harness()
        let (report, state) = try await h.run("""
        resources:
          fake.first: {echo: "sha256:abc"}
          fake.second: {echo: "ref@${fake.first.value}"}
        """)
        #expect(report.ok)
        #expect(state.resources[ResourceAddress(kind: "fake", name: "second")]?.outputs["value"] == "ref@sha256:abc")
        #expect(state.resources[ResourceAddress(kind: "fake", name: "second")]?.attributes["echo"] == "ref@sha256:abc")
    }

    @Test func neverMoreThanParallelismInFlight() async throws {
        let h = Harness()
        let yaml = "resources:\n" + (0..<12).map { "  fake.n\($0): {ms: 30}\n" }.joined()
        let (report, _) = try await h.run(yaml, parallelism: 4)
        #expect(report.ok)
        #expect(h.concurrency.value.peak == 4)
    }

    @Test func secondRunIsANoOp() async throws {
        let h = Harness()
        let yaml = "resources:\n  fake.a: {echo: 1}\n"
        _ = try await h.run(yaml)
        let (report, state) = try await h.run(yaml)
        #expect(report.entries.isEmpty)
        #expect(state.history.count == 2)
    }

    @Test func secretsAreRedactedInState() async throws {
        let h = Harness()
        let secret = String(repeating: "k", count: 40)
        let (report, state) = try await h.run("resources:\n  fake.a: {echo: \"${secret.KEY}\"}\n  gate_secret.g: {names: [KEY]}\n", env: ["KEY": secret])
        #expect(report.ok)
        let data = try Data(contentsOf: URL(fileURLWithPath: h.dir + "/t.json"))
        #expect(!String(decoding: data, as: UTF8.self).contains(secret))
        #expect(state.resources[ResourceAddress(kind: "fake", name: "a")]?.sensitivePaths == ["echo", "outputs.value"])
    }

    @Test func stoppingLetsInFlightWorkFinishAndStartsNothingNew() async throws {
        let h = Harness()
        let control = WalkControl()
        let yaml = "resources:\n" + (0..<6).map { "  fake.n\($0): {ms: 200}\n" }.joined()
        Task {
            try await Task.sleep(for: .milliseconds(50))
            control.stopStarting()
        }
        let (report, state) = try await h.run(yaml, parallelism: 2, control: control)
        #expect(report.interrupted)
        #expect(report.succeeded.count == 2)
        #expect(report.notStarted.count == 4)
        #expect(state.resources.count == 2)
        #expect(state.history.last?.outcome == .interrupted)
    }

    @Test func aFailedUpdateKeepsTheLastGoodOutputsBesideTheFailure() async throws {
        let h = Harness()
        _ = try await h.run("resources:\n  fake.a: {echo: v1}\n")
        let (report, state) = try await h.run("resources:\n  fake.a: {echo: v2, fail: true}\n")
        #expect(!report.ok)
        let a = state.resources[ResourceAddress(kind: "fake", name: "a")]
        #expect(a?.status == .tainted)
        #expect(a?.outputs["value"] == "v1", "the last known good output is kept")
        #expect(a?.lastFailure?.message == "it was told to fail")
        #expect(a?.lastFailure?.outputs["value"] == "partial")
        // Fixed and applied again: ready, the failure gone.
        let (again, fixed) = try await h.run("resources:\n  fake.a: {echo: v3}\n")
        #expect(again.ok)
        #expect(fixed.resources[ResourceAddress(kind: "fake", name: "a")]?.status == .ready)
        #expect(fixed.resources[ResourceAddress(kind: "fake", name: "a")]?.lastFailure == nil)
        #expect(fixed.resources[ResourceAddress(kind: "fake", name: "a")]?.outputs["value"] == "v3")
    }

    @Test func workAKindFinishedIsRecordedEvenAfterASecondInterrupt() async throws {
        let h = Harness()
        // fake.slow ignores cancellation and returns after 300 ms; fake.sleepy is cancelled mid-sleep.
        let yaml = "resources:\n  fake.slow: {busy_ms: 300, echo: done}\n  fake.sleepy: {ms: 5000}\n  fake.after: {depends_on: [fake.sleepy]}\n"
        let run = Task { try await h.run(yaml) }
        try await Task.sleep(for: .milliseconds(100))
        run.cancel()
        let (report, state) = try await run.value
        #expect(report.succeeded.map(\.address.description) == ["fake.slow"])
        #expect(report.stopped.map(\.address.description) == ["fake.sleepy"])
        #expect(report.notStarted.map(\.address.description) == ["fake.after"])
        #expect(state.resources[ResourceAddress(kind: "fake", name: "slow")]?.outputs["value"] == "done")
        #expect(state.resources[ResourceAddress(kind: "fake", name: "sleepy")] == nil, "stopped work is not recorded")
        #expect(state.history.last?.outcome == .interrupted)
    }

    @Test func aCheckpointThatCannotBeRecordedIsSaidOnceAndTheWorkGoesOn() async throws {
        let h = Harness()
        let events = Locked([String]())
        struct Progress: ApplyHooks {
            let events: Locked<[String]>
            func handle(_ event: ApplyEvent) { if case .progress(let a, let m) = event { events.withLock { $0.append("\(a): \(m)") } } }
        }
        let (report, state) = try await h.run("""
            resources:
              fake.watch: {echo: "done", checkpoints: 3}
            """, hooks: Progress(events: events), wrap: { FailingCheckpoints(inner: $0) })
        #expect(report.ok)
        #expect(state.resources[ResourceAddress(kind: "fake", name: "watch")]?.outputs["value"] == "done", "the end is recorded")
        let warnings = events.withLock { $0 }.filter { $0.contains("could not record its progress") }
        #expect(warnings.count == 1, "once, not per checkpoint: \(events.withLock { $0 })")
        #expect(warnings.first?.contains("disk full (test)") == true)
    }
}

/// Refuses to record unfinished (tainted) progress, as a full disk or a lost connection would.
final class FailingCheckpoints: StateRecorder, @unchecked Sendable {
    let inner: StateWriter
    init(inner: StateWriter) { self.inner = inner }
    var state: StateFile { inner.state }
    func put(_ address: ResourceAddress, _ resource: ResourceState) async throws {
        if resource.status == .tainted { throw StateError.io("disk full (test)") }
        try await inner.put(address, resource)
    }
    func remove(_ address: ResourceAddress) async throws { try await inner.remove(address) }
    func record(_ entry: HistoryEntry) async throws { try await inner.record(entry) }
    func finish() async throws -> StateFile { try await inner.finish() }
}
