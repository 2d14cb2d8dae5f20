// ogf-bench: engine benchmarks on synthetic environments (see docs/benchmarks.md).
// Not a test: it prints measurements; medians of several runs, compared with a bound.
import Foundation
import OGFApply
import OGFConfig
import OGFCore
import OGFGraph
import OGFCatalogue
import OGFPlan
import OGFState
import OGFStatePostgres

/// A managed kind that does nothing: what is left is the engine's own cost.
struct NoopKind: ResourceKind {
    let name = "noop"
    let role = ResourceRole.managed
    let summary = "does nothing"
    let schema = Schema([FieldSpec("value", .any, doc: "anything")])
    func apply(_ request: ApplyRequest) async throws -> ApplyResponse { ApplyResponse(outputs: ["value": request.config["value"] ?? .null]) }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let c = ContinuousClock()
    let d = try await c.measure { try await body() }
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// CPU time (user + system) of this process, or of its waited-for children: on a shared machine
/// it moves far less with load than wall time does, so it is printed beside it.
func cpuSeconds(children: Bool = false) -> Double {
    var u = rusage()
    getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// Wall and CPU seconds of one run.
func measure(children: Bool = false, _ body: () async throws -> Void) async rethrows -> (wall: Double, cpu: Double) {
    let cpu0 = cpuSeconds(children: children)
    let wall = try await seconds(body)
    return (wall, cpuSeconds(children: children) - cpu0)
}

/// Writes a project with `n` resources of `kind` in layers of `width`; each depends on up to
/// `fanIn` resources of the layer before.
func generate(root: String, n: Int, kind: String, width: Int, fanIn: Int, body: (Int) -> String) throws {
    try FileManager.default.createDirectory(atPath: root + "/environments", withIntermediateDirectories: true)
    var yaml = "environment: bench\nresources:\n"
    for i in 0..<n {
        let layer = i / width
        var deps: [String] = []
        if layer > 0 {
            for k in 0..<min(fanIn, width) { deps.append("\(kind).r\((layer - 1) * width + (i + k) % width)") }
        }
        yaml += "  \(kind).r\(i):\n\(body(i))"
        if !deps.isEmpty { yaml += "    depends_on: [\(deps.joined(separator: ", "))]\n" }
    }
    try yaml.write(toFile: root + "/environments/bench.yaml", atomically: true, encoding: .utf8)
}

func tempRoot(_ name: String) -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-bench-\(name)-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Plan: load + validate configuration, lock, read state, plan, write the saved plan (and, for a
/// new state, the first state write) — what `ogf plan -out` does.
func planOnce(root: String, registry: KindRegistry) async throws -> Plan {
    let (config, diags) = ConfigLoader(root: root, registry: registry).load(environment: "bench")
    try diags.throwIfErrors()
    let lock = try StateLock.acquire(directory: root + "/state", environment: "bench", operation: "plan")
    defer { lock.release() }
    let (state, _) = try StateStore(directory: root + "/state", environment: "bench").compactIfNeeded()
    let ctx = KindContext(environment: "bench", isProtected: false, projectRoot: root, variables: [:])
    let prior = PriorState(lineage: state.lineage, serial: state.serial, hasher: state.hasher, resources: state.resources)
    let (plan, pd) = await Planner(config: config!, registry: registry, prior: prior, environment: [:], context: ctx).plan()
    try pd.throwIfErrors()
    try PlanFile.write(plan!, to: root + "/bench.plan.out")
    return plan!
}

func applyOnce(root: String, registry: KindRegistry, plan: Plan, parallelism: Int) async throws -> ApplyReport {
    let (config, _) = ConfigLoader(root: root, registry: registry).load(environment: "bench")
    let store = StateStore(directory: root + "/state", environment: "bench")
    let state = try store.load().state
    let writer = try StateWriter(store: store, state: state)
    let ctx = KindContext(environment: "bench", isProtected: false, projectRoot: root, variables: ProcessInfo.processInfo.environment)
    let report = await Applier(plan: plan, config: config!, registry: registry, environment: ProcessInfo.processInfo.environment,
                               context: ctx, writer: writer, parallelism: parallelism).run()
    _ = try writer.finish()
    return report
}

func benchPlan(runs: Int) async throws {
    let registry = KindRegistry([NoopKind()])
    print("## plan of 10,000 resources (no network work; config load, lock, state read/write and plan file included)")
    for n in sizes([1_000, 5_000, 10_000]) {
        let root = tempRoot("plan")
        try generate(root: root, n: n, kind: "noop", width: 100, fanIn: 2) { "    value: \"item-\($0)-${var.x}\"\n" }
        // Variables for the template.
        let path = root + "/environments/bench.yaml"
        try (try String(contentsOfFile: path, encoding: .utf8)).replacingOccurrences(of: "resources:\n", with: "variables:\n  x: v\nresources:\n", options: [], range: nil)
            .write(toFile: path, atomically: true, encoding: .utf8)
        var empty: [(wall: Double, cpu: Double)] = []
        var plan: Plan?
        for _ in 0..<runs {
            try? FileManager.default.removeItem(atPath: root + "/state")
            empty.append(try await measure { plan = try await planOnce(root: root, registry: registry) })
        }
        _ = try await applyOnce(root: root, registry: registry, plan: plan!, parallelism: 10)
        var noChange: [(wall: Double, cpu: Double)] = []
        for _ in 0..<runs { noChange.append(try await measure { _ = try await planOnce(root: root, registry: registry) }) }
        print(String(format: "  %6d resources: first plan (all create) median %.3f s (CPU %.3f s); no-change plan median %.3f s (CPU %.3f s)", n,
                     median(empty.map(\.wall)), median(empty.map(\.cpu)), median(noChange.map(\.wall)), median(noChange.map(\.cpu))))
    }
}

func benchState(runs: Int) async throws {
    print("## state persistence: journal every resource, then one compacted write")
    var perResource: [Int: Double] = [:]
    for n in [5_000, 10_000] {
        var times: [Double] = []
        for _ in 0..<runs {
            let dir = tempRoot("state")
            let store = StateStore(directory: dir, environment: "bench")
            let writer = try StateWriter(store: store, state: try store.load().state)
            let r = ResourceState(kind: "exec", attributes: ["command": ["sh", "-c", "echo hello"], "triggers": ["release": "2026.11.27"]],
                                  outputs: ["exit_code": 0, "output_tail": "hello"], sensitivePaths: [], dependencies: [],
                                  appliedAt: Date(), ogfVersion: OGFVersion.current, durationMs: 3)
            times.append(try await seconds {
                for i in 0..<n { try writer.put(ResourceAddress(kind: "exec", name: "r\(i)"), r) }
                _ = try writer.finish()
            })
        }
        perResource[n] = median(times) / Double(n)
        print(String(format: "  %6d resources: median %.3f s (%.1f µs per resource)", n, median(times), median(times) / Double(n) * 1e6))
    }
    if let a = perResource[5_000], let b = perResource[10_000] {
        print(String(format: "  per-resource cost at 10,000 / at 5,000: %.2f (1.00 = linear)", b / a))
    }
}

func benchOverhead(runs: Int) async throws {
    print("## per-resource engine overhead: apply of no-op resources (walker, resolution, journal, events)")
    let registry = KindRegistry([NoopKind()])
    let n = 5_000
    var times: [Double] = []
    for _ in 0..<runs {
        let root = tempRoot("overhead")
        try generate(root: root, n: n, kind: "noop", width: 50, fanIn: 2) { "    value: \($0)\n" }
        let plan = try await planOnce(root: root, registry: registry)
        times.append(try await seconds { _ = try await applyOnce(root: root, registry: registry, plan: plan, parallelism: 10) })
    }
    print(String(format: "  %d resources: median %.3f s, %.1f µs per resource", n, median(times), median(times) / Double(n) * 1e6))
}

func benchApply(runs: Int) async throws {
    print("## apply of exec sleep DAGs against the bound max(total work / parallelism, critical path)")
    let registry = KindCatalogue.registry()
    struct Shape { var name: String; var n: Int; var width: Int; var fanIn: Int; var sleep: (Int) -> Double; var parallelism: Int }
    let shapes = [
        Shape(name: "wide: 200 × 0.1 s in 4 layers, parallelism 10", n: 200, width: 50, fanIn: 2, sleep: { _ in 0.1 }, parallelism: 10),
        Shape(name: "mixed: 100 resources, every 10th sleeps 0.5 s, parallelism 4", n: 100, width: 20, fanIn: 3, sleep: { $0 % 10 == 0 ? 0.5 : 0.05 }, parallelism: 4),
        Shape(name: "chain-bound: 40 layers × 3, 0.05 s, parallelism 10", n: 120, width: 3, fanIn: 1, sleep: { _ in 0.05 }, parallelism: 10),
    ]
    for s in shapes {
        let total = (0..<s.n).reduce(0.0) { $0 + s.sleep($1) }
        // Critical path: longest path through the layered DAG (each resource depends on the layer before).
        var longest = [Double](repeating: 0, count: s.n)
        for i in 0..<s.n {
            let layer = i / s.width
            var best = 0.0
            if layer > 0 { for k in 0..<min(s.fanIn, s.width) { best = max(best, longest[(layer - 1) * s.width + (i + k) % s.width]) } }
            longest[i] = best + s.sleep(i)
        }
        let bound = max(total / Double(s.parallelism), longest.max()!)
        // First apply: durations unknown, chains weighed by length. Second apply (always: true):
        // the walker weighs chains by the durations state recorded the first time.
        var first: [Double] = []
        var second: [Double] = []
        for _ in 0..<runs {
            let root = tempRoot("apply")
            try generate(root: root, n: s.n, kind: "exec", width: s.width, fanIn: s.fanIn) { "    command: [\"sleep\", \"\(s.sleep($0))\"]\n    always: true\n" }
            for i in 0..<2 {
                let plan = try await planOnce(root: root, registry: registry)
                let t = try await seconds {
                    let report = try await applyOnce(root: root, registry: registry, plan: plan, parallelism: s.parallelism)
                    precondition(report.ok, report.summaryLine)
                }
                if i == 0 { first.append(t) } else { second.append(t) }
            }
        }
        let (m1, m2) = (median(first), median(second))
        print(String(format: "  %@: bound %.3f s; first apply median %.3f s (%+.1f%%); repeat apply median %.3f s (%+.1f%%)",
                     s.name, bound, m1, (m1 / bound - 1) * 100, m2, (m2 / bound - 1) * 100))
    }
}

/// End to end, as a user sees it: `ogf plan` of 10,000 `exec` resources with nothing to change,
/// run as a process (start-up, configuration, lock, state read, plan, render). The state is
/// written as if applied (attributes = the planned values, outputs filled in), so no command runs.
func benchCLI(runs: Int) async throws {
    // --ogf=PATH runs another build (say, the one before a change) on the same projects.
    let bin = CommandLine.arguments.first { $0.hasPrefix("--ogf=") }.map { String($0.dropFirst(6)) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ogf").path
    guard FileManager.default.isExecutableFile(atPath: bin) else {
        print("## ogf plan (CLI): skipped, \(bin) not built (swift build -c release --product ogf)")
        return
    }
    print("## ogf plan (CLI, end to end), no changes: process start, config load, lock, state read, plan, render (\(bin))")
    let registry = KindCatalogue.registry()
    for n in sizes([1_000, 10_000]) {
        let root = tempRoot("cli")
        try generate(root: root, n: n, kind: "exec", width: 100, fanIn: 2) { i in
            var body = "    command: [\"true\", \"item-\(i)-${var.x}\"]\n"
            if i >= 100 { body += "    triggers: { upstream: \"${exec.r\(i - 100).exit_code}\" }\n" }
            return body
        }
        let path = root + "/environments/bench.yaml"
        try (try String(contentsOfFile: path, encoding: .utf8)).replacingOccurrences(of: "resources:\n", with: "variables:\n  x: v\nresources:\n", options: [], range: nil)
            .write(toFile: path, atomically: true, encoding: .utf8)
        // Record every resource as applied with exit code 0. The first plan does not know the
        // outputs its triggers reference; every exit code is 0, so that is what they resolve to.
        let plan = try await planOnce(root: root, registry: registry)
        let store = StateStore(directory: root + "/state", environment: "bench")
        var state = try store.load().state
        for c in plan.changes {
            var attributes = c.after ?? [:]
            if case .map(let m)? = attributes["triggers"] { attributes["triggers"] = .map(m.mapValues { $0 == .unknown ? 0 : $0 }) }
            state.resources[c.address] = ResourceState(kind: c.address.kind, attributes: attributes, outputs: ["exit_code": 0, "output_tail": ""],
                                                       sensitivePaths: [], dependencies: c.dependencies, appliedAt: Date(), ogfVersion: OGFVersion.current, durationMs: 1)
        }
        try store.save(&state)
        var times: [(wall: Double, cpu: Double)] = []
        for _ in 0..<runs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["plan", "bench", "-C", root, "-detailed-exitcode", "--no-color"]
            p.standardOutput = FileHandle.nullDevice
            let t = try await measure(children: true) {
                try p.run()
                p.waitUntilExit()
            }
            precondition(p.terminationStatus == 0, "ogf plan -C \(root) exited \(p.terminationStatus) (2: not a no-op)")
            times.append(t)
        }
        let wall = times.map(\.wall)
        print(String(format: "  %6d resources: median %.3f s (min %.3f, max %.3f; CPU median %.3f s) — project in %@", n, median(wall), wall.min()!, wall.max()!,
                     median(times.map(\.cpu)), root))
    }
}

/// The postgres state backend against the file backend, side by side in the same run: a whole
/// apply of no-op resources (walker + persistence), persistence alone (10 workers recording
/// finished resources), and a lock acquire + release round trip.
func benchPostgresState(runs: Int) async throws {
    let url = ProcessInfo.processInfo.environment["OGF_BENCH_PG_URL"] ?? "postgres://ogf:ogf-local-pg-pass@127.0.0.1:55432/offgridflow_local"
    let schema = "ogf_state_bench_" + UUID().uuidString.prefix(8).lowercased()
    let registry = KindRegistry([NoopKind()])
    print("## state backends: postgres (schema \(schema)) against file, same run, alternating")
    var perResource: [String: [Int: Double]] = [:]
    // "postgres" is what ogf does: writes that arrive together in one transaction (group commit),
    // acknowledged before their WAL reaches the disk (synchronous_commit = off on the apply's
    // session), and one synchronous commit at the end that flushes them all: the file backend's
    // guarantee (lines written at once, fsynced in the background and at the end).
    // "postgres-sync" waits for the disk at every batch; "postgres-per-write" is the first
    // version, a synchronous transaction per write.
    let variants = ["file", "postgres", "postgres-sync", "postgres-per-write"]
    func makeBackend(_ name: String, _ env: String) -> any StateBackend {
        if name == "file" { return FileStateBackend(directory: tempRoot("pgstate-file"), environment: env) }
        var b = PostgresStateBackend(url: url, schema: schema, environment: env)
        b.transactionPerWrite = name == "postgres-per-write"
        b.synchronousCommits = name != "postgres"
        return b
    }
    for n in sizes([5_000, 10_000]) {
        let root = tempRoot("pgstate")
        try generate(root: root, n: n, kind: "noop", width: 100, fanIn: 2) { "    value: \($0)\n" }
        let (config, _) = ConfigLoader(root: root, registry: registry).load(environment: "bench")
        let plan = try await planOnce(root: root, registry: registry)
        var applyTimes: [String: [Double]] = [:], persistTimes: [String: [Double]] = [:]
        for run in 0..<runs {
            for name in variants {
                let env = "bench\(n)_\(run)"
                let backend = makeBackend(name, env)
                // A whole apply: the same plan, a fresh state each time.
                var lease = try await backend.lock(operation: "bench", timeout: 0)
                var state = try await backend.recover(under: lease).state
                let p = plan
                let ctx = KindContext(environment: "bench", isProtected: false, projectRoot: root, variables: [:])
                let t = try await seconds {
                    let writer = try await backend.recorder(for: state, under: lease)
                    let report = await Applier(plan: p, config: config!, registry: registry, environment: [:], context: ctx, writer: writer, parallelism: 10).run()
                    precondition(report.ok, report.summaryLine)
                    _ = try await writer.finish()
                }
                applyTimes[name, default: []].append(t)
                lease.release()
                // Persistence alone: 10 workers, n finished resources.
                let env2 = env + "_p"
                let backend2 = makeBackend(name, env2)
                lease = try await backend2.lock(operation: "bench", timeout: 0)
                state = try await backend2.recover(under: lease).state
                let r = ResourceState(kind: "exec", attributes: ["command": ["sh", "-c", "echo hello"], "triggers": ["release": "2026.11.27"]],
                                      outputs: ["exit_code": 0, "output_tail": "hello"], sensitivePaths: [], dependencies: [],
                                      appliedAt: Date(), ogfVersion: OGFVersion.current, durationMs: 3)
                let writer = try await backend2.recorder(for: state, under: lease)
                let t2 = try await seconds {
                    try await withThrowingTaskGroup(of: Void.self) { g in
                        for w in 0..<10 {
                            g.addTask {
                                for i in stride(from: w, to: n, by: 10) { try await writer.put(ResourceAddress(kind: "exec", name: "r\(i)"), r) }
                            }
                        }
                        try await g.waitForAll()
                    }
                    _ = try await writer.finish()
                }
                persistTimes[name, default: []].append(t2)
                lease.release()
            }
        }
        for name in variants {
            perResource[name, default: [:]][n] = median(persistTimes[name]!) / Double(n)
            print(String(format: "  %6d resources, %@: apply median %.3f s; persistence alone median %.3f s (%.1f µs per resource)", n, name,
                         median(applyTimes[name]!), median(persistTimes[name]!), median(persistTimes[name]!) / Double(n) * 1e6))
        }
        for name in variants.dropFirst() {
            print(String(format: "  %6d resources: %@ / file: apply %.2fx, persistence %.2fx", n, name,
                         median(applyTimes[name]!) / median(applyTimes["file"]!), median(persistTimes[name]!) / median(persistTimes["file"]!)))
        }
    }
    for name in variants {
        if let a = perResource[name]?[5_000], let b = perResource[name]?[10_000] {
            print(String(format: "  %@: time at 10,000 / at 5,000: %.2f (2.00 = linear; goal at most 2.2)", name, 2 * b / a))
        }
    }
    // Lock round trip: acquire + release, many times.
    for name in ["file", "postgres"] {
        let backend: any StateBackend = name == "file"
            ? FileStateBackend(directory: tempRoot("pgstate-lock"), environment: "lock")
            : PostgresStateBackend(url: url, schema: schema, environment: "lock")
        var times: [Double] = []
        for _ in 0..<(runs * 40) {
            times.append(try await seconds {
                let l = try await backend.lock(operation: "bench", timeout: 0)
                l.release()
            })
        }
        print(String(format: "  lock acquire + release, %@: median %.2f ms (%d round trips; postgres includes connecting)", name, median(times) * 1000, times.count))
    }
    try await PostgresStateBackend.dropSchema(url: url, schema: schema)
}

/// `--n=10000` keeps only that size (for profiling one).
func sizes(_ all: [Int]) -> [Int] {
    guard let n = CommandLine.arguments.first(where: { $0.hasPrefix("--n=") }).flatMap({ Int($0.dropFirst(4)) }) else { return all }
    return [n]
}

let args = CommandLine.arguments.dropFirst()
let runs = args.first(where: { $0.hasPrefix("--runs=") }).flatMap { Int($0.dropFirst(7)) } ?? 5
let which = Set(args.filter { !$0.hasPrefix("--") })
func wants(_ s: String) -> Bool { which.isEmpty || which.contains(s) }
print("ogf-bench \(OGFVersion.current): \(runs) runs each, \(ProcessInfo.processInfo.activeProcessorCount) cores")
if which.contains("watch-overhead") {
    let rest = Array(args.filter { !$0.hasPrefix("--") }.drop { $0 != "watch-overhead" }.dropFirst())
    guard rest.count == 2 else { fatalError("usage: ogf-bench watch-overhead PROMETHEUS_URL QUERY") }
    try await benchWatchOverhead(url: rest[0], query: rest[1])
    exit(0)
}
if wants("plan") { try await benchPlan(runs: runs) }
if wants("state") { try await benchState(runs: runs) }
if wants("overhead") { try await benchOverhead(runs: runs) }
if wants("apply") { try await benchApply(runs: runs) }
if wants("cli") { try await benchCLI(runs: runs) }
// Needs a database and a folder: only when named.
if which.contains("lint") { try await benchLint(runs: runs) }
// Needs a PostgreSQL server: only when asked for (scripts/bench/pgstate.sh).
if which.contains("pgstate") { try await benchPostgresState(runs: runs) }
if wants("records") { try await benchRecords(runs: runs) }
