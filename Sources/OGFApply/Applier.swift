import Foundation
import OGFConfig
import OGFCore
import OGFGraph
import OGFPlan
import OGFState
import Synchronization

/// Carries out a plan: walks the changed resources in dependency order, in parallel, asking each
/// kind to apply, recording each finished resource in state at once, and skipping whatever
/// depends on a failure.
public struct Applier: Sendable {
    public var plan: Plan
    public var config: EnvironmentConfig
    public var registry: KindRegistry
    public var environment: [String: String]
    public var context: KindContext
    public var writer: any StateRecorder
    public var parallelism: Int
    public var hooks: any ApplyHooks
    public var control: WalkControl
    /// How often a long resource reports it is still running.
    public var heartbeat: Duration
    /// A W3C `traceparent` per resource, handed to its kind as `TRACEPARENT` (exec steps pass
    /// it on, so the spans of the commands they run join the deploy's trace). Nil: none.
    public var traceParent: (@Sendable (ResourceAddress) -> String)?

    public init(plan: Plan, config: EnvironmentConfig, registry: KindRegistry, environment: [String: String], context: KindContext,
                writer: any StateRecorder, parallelism: Int = 10, hooks: any ApplyHooks = NoHooks(), control: WalkControl = WalkControl(),
                heartbeat: Duration = .seconds(30)) {
        self.plan = plan
        self.config = config
        self.registry = registry
        self.environment = environment
        self.context = context
        self.writer = writer
        self.parallelism = parallelism
        self.hooks = hooks
        self.control = control
        self.heartbeat = heartbeat
    }

    /// The graph of work: changed resources with their dependencies; a destroyed resource waits
    /// for the destruction of whatever depended on it.
    func workGraph() -> DependencyGraph {
        let active = plan.changes.filter { $0.action != .noop }
        let deletes = Set(active.filter { $0.action == .delete }.map(\.address))
        var edges: [ResourceAddress: [ResourceAddress]] = [:]
        for c in active where c.action != .delete { edges[c.address] = c.dependencies }
        for c in active where c.action == .delete {
            for dep in c.dependencies where deletes.contains(dep) { edges[dep, default: []].append(c.address) }
        }
        return DependencyGraph(nodes: active.map(\.address), edges: edges)
    }

    public func run(operation: String = "apply") async -> ApplyReport {
        let graph = workGraph()
        let prior = writer.state.resources
        let weights = graph.criticalPathWeights { Double(prior[$0]?.durationMs ?? 1000) } ?? [:]
        let changes = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.address, $0) })
        let live = Locked<[ResourceAddress: [String: Value]]>([:])
        let triggers = Locked<[WatchTriggered]>([])
        let timings = Locked<[ResourceAddress: (Double, String?, String?)]>([:])
        let hasher = writer.state.hasher
        var errors: [Diagnostic] = []
        var variableDiags: [Diagnostic] = []
        let variables = Evaluator.resolveVariables(config.variables, environment: environment, envFile: config.envFile, diagnostics: &variableDiags)
        errors.append(contentsOf: variableDiags.filter { $0.severity == .error })

        let started = Date()
        let runClock = ContinuousClock()
        let runStart = runClock.now
        let starts = Locked<[ResourceAddress: Double]>([:])
        let historyID = (writer.state.history.map(\.id).max() ?? 0) + 1
        var history = HistoryEntry(id: historyID, operation: operation, startedAt: started, outcome: .running, planHash: plan.hash,
                                   user: ProcessIdentity.user, host: ProcessIdentity.host)
        history.policyOverride = plan.policyOverride
        history.trigger = plan.trigger
        do { try await writer.record(history) } catch {
            errors.append(.error("could not record the start of this \(operation) in state history: \(error)", detail: "Nothing was applied."))
        }
        if !errors.isEmpty {
            // Nothing starts when the run cannot be recorded or its variables do not resolve.
            let entries = graph.nodes.map { ApplyReport.Entry(address: $0, action: changes[$0]!.action, outcome: .notStarted) }
            return ApplyReport(entries: entries, interrupted: false, errors: errors)
        }

        let walker = DAGWalker(graph: graph, parallelism: parallelism, priority: weights)
        let results = await walker.walk(control: control) { (address: ResourceAddress) -> VisitResult in
            let change = changes[address]!
            hooks.handle(.started(address, change.action))
            let offset = runClock.now - runStart
            starts.withLock { $0[address] = Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18 }
            let clock = ContinuousClock()
            let t0 = clock.now
            func elapsed() -> Double {
                let d = clock.now - t0
                return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
            let outcome = await self.applyOne(change, graph: graph, variables: variables, live: live, hasher: hasher, prior: prior, triggers: triggers)
            let secs = elapsed()
            switch outcome {
            case .success(let summary):
                timings.withLock { $0[address] = (secs, nil, summary) }
                hooks.handle(.succeeded(address, change.action, duration: secs, summary: summary))
                return .succeeded
            case .failure(let message):
                timings.withLock { $0[address] = (secs, message, nil) }
                hooks.handle(.failed(address, change.action, duration: secs, message: message))
                return .failed
            case .stopped:
                timings.withLock { $0[address] = (secs, "stopped before it finished", nil) }
                hooks.handle(.stopped(address, change.action, duration: secs))
                return .stopped
            }
        }

        let times = timings.withLock { $0 }
        let startTimes = starts.withLock { $0 }
        var entries: [ApplyReport.Entry] = []
        for a in graph.nodes {
            let outcome = results[a] ?? .notStarted
            if case .skipped(let cause) = outcome { hooks.handle(.skipped(a, cause: cause)) }
            entries.append(.init(address: a, action: changes[a]!.action, outcome: outcome, duration: times[a]?.0, message: times[a]?.1, summary: times[a]?.2,
                                 start: startTimes[a]))
        }
        var report = ApplyReport(entries: entries, interrupted: control.isStopping || Task.isCancelled)
        report.triggers = triggers.withLock { $0 }.sorted { $0.watch < $1.watch }
        history.finishedAt = Date()
        history.outcome = report.outcome
        history.succeeded = report.succeeded.count
        history.failed = report.failed.map(\.address.description)
        history.skipped = report.skipped.count + report.notStarted.count
        let made = live.withLock { outs in
            report.succeeded.compactMap { e in outs[e.address].flatMap { ReleaseRecord.from(address: e.address, outputs: $0) } }
        }
        if !made.isEmpty { history.releases = made }
        do { try await writer.record(history) } catch {
            report.errors.append(.error("could not record the end of this \(operation) in state history: \(error)",
                                        detail: "What each resource did is recorded; the history entry still says \"running\"."))
        }
        report.history = history
        return report
    }

    enum Outcome { case success(String?), failure(String), stopped }

    func applyOne(_ change: ResourceChange, graph: DependencyGraph, variables: [String: Value],
                  live: Locked<[ResourceAddress: [String: Value]]>, hasher: SecretHasher, prior: [ResourceAddress: ResourceState],
                  triggers: Locked<[WatchTriggered]>) async -> Outcome {
        let address = change.address
        let kind = registry[address.kind]
        if change.action == .delete {
            do {
                if let kind, let state = prior[address] {
                    try await kind.destroy(DestroyRequest(address: address, prior: state, context: context))
                }
                try await writer.remove(address)
                return .success("removed")
            } catch {
                return .failure("\(error)")
            }
        }
        guard let kind, let rc = config.resources[address] else { return .failure("\(address) is not in the configuration") }
        let writerRef = writer
        let evaluator = Evaluator(variables: variables, environment: environment, envFile: config.envFile) { dep in
            if let outs = live.withLock({ $0[dep] }) { return outs }
            return writerRef.state.resources[dep]?.outputs
        }
        var diags: [Diagnostic] = []
        let values = ResourceResolver(registry: registry, evaluator: evaluator).resolve(rc, diagnostics: &diags)
        if let e = diags.first(where: { (d: Diagnostic) in d.severity == .error }) { return .failure(e.description) }
        if !values.values.allSatisfy(\.isKnown) {
            return .failure("some values are still unknown after the resources they depend on were applied")
        }

        let progress: @Sendable (String) -> Void = { [hooks] msg in hooks.handle(.progress(address, msg)) }
        let t0 = ContinuousClock.now
        var kindContext = context
        if let traceParent { kindContext.variables["TRACEPARENT"] = traceParent(address) }
        kindContext.recorded = { writerRef.state.resources[$0] }
        let attrs = values.mapValues { $0.redacted(with: hasher) }
        let priorState = prior[address]
        let checkpointWarned = Mutex(false)
        let checkpoint: @Sendable ([String: Value], String) async -> Void = { [context] outputs, message in
            // Unfinished work, journaled at once: a killed run leaves the resource tainted (never
            // passed) with its progress beside the last good outputs, for a resume to pick up.
            let outs = outputs.mapValues { $0.redacted(with: hasher) }
            let lastGood = priorState?.outputs ?? [:]
            var state = ResourceState(kind: address.kind, attributes: attrs, outputs: lastGood, sensitivePaths: [],
                                      dependencies: rc.dependencies, appliedAt: priorState?.appliedAt ?? Date(), ogfVersion: OGFVersion.current,
                                      durationMs: nil, status: .tainted,
                                      lastFailure: FailureRecord(message: context.redact(message), at: Date(), outputs: outs))
            state.sensitivePaths = Value.map(attrs).sensitivePaths() + Value.map(lastGood).sensitivePaths(prefix: "").map { "outputs.\($0)" }
                + Value.map(outs).sensitivePaths(prefix: "").map { "last_failure.outputs.\($0)" }
            do { try await writerRef.put(address, state) } catch {
                // The work goes on (its end is recorded separately), but say once that a kill now
                // would not leave its progress behind.
                if !checkpointWarned.withLock({ w in defer { w = true }; return w }) {
                    progress("warning: could not record its progress in the state (\(context.redact("\(error)"))); if ogf is killed now, the next run will not know how far it got")
                }
            }
        }
        var request = ApplyRequest(address: address, config: values, prior: prior[address], action: change.action, context: kindContext,
                                   mode: change.action == .noop ? .apply : plan.operation, progress: progress, checkpoint: checkpoint)
        let control = self.control
        request.isStopping = { control.isStopping }
        let beat = heartbeat
        let ticker = Task { [hooks] in
            var n = 1
            while !Task.isCancelled {
                try? await Task.sleep(for: beat)
                if Task.isCancelled { break }
                hooks.handle(.stillRunning(address, elapsed: Double((beat * n).components.seconds)))
                n += 1
            }
        }
        defer { ticker.cancel() }

        /// Records what the kind returned. A failure keeps the last known good outputs (a digest
        /// still in the registry, a release still running) and records the failure beside them.
        func record(outputs: [String: Value], failure: String?) async -> String? {
            let d = ContinuousClock.now - t0
            let ms = Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
            let attrs = values.mapValues { $0.redacted(with: hasher) }
            let outs = outputs.mapValues { $0.redacted(with: hasher) }
            let now = Date()
            var state: ResourceState
            if let failure {
                let lastGood = prior[address]?.outputs ?? [:]
                state = ResourceState(kind: address.kind, attributes: attrs, outputs: lastGood, sensitivePaths: [],
                                      dependencies: rc.dependencies, appliedAt: prior[address]?.appliedAt ?? now, ogfVersion: OGFVersion.current,
                                      durationMs: ms, status: .tainted,
                                      lastFailure: FailureRecord(message: context.redact(failure), at: now, outputs: outs))
                state.sensitivePaths = Value.map(attrs).sensitivePaths() + Value.map(lastGood).sensitivePaths(prefix: "").map { "outputs.\($0)" }
                    + Value.map(outs).sensitivePaths(prefix: "").map { "last_failure.outputs.\($0)" }
            } else {
                let sensitive = Value.map(attrs).sensitivePaths() + Value.map(outs).sensitivePaths(prefix: "").map { "outputs.\($0)" }
                state = ResourceState(kind: address.kind, attributes: attrs, outputs: outs, sensitivePaths: sensitive,
                                      dependencies: rc.dependencies, appliedAt: now, ogfVersion: OGFVersion.current, durationMs: ms)
            }
            do {
                try await writer.put(address, state)
                return nil
            } catch {
                return "could not record \(address) in state: \(error)"
            }
        }

        do {
            let response = try await kind.apply(request)
            // Whatever the kind returned is recorded, even when a second interrupt came meanwhile:
            // the work finished, and running it again next time would repeat it.
            live.withLock { $0[address] = response.outputs }
            if let problem = await record(outputs: response.outputs, failure: nil) { return .failure(problem) }
            return .success(response.summary)
        } catch is CancellationError {
            return .stopped
        } catch _ where Task.isCancelled {
            // Stopped by a second interrupt: the work did not finish, so it is not recorded and
            // the next plan shows it again.
            return .stopped
        } catch let f as ResourceFailure {
            return .failure(await record(outputs: f.outputs, failure: f.message) ?? f.message)
        } catch let t as WatchTriggered {
            // A watch trigger fired: recorded as a failure; the caller rolls back (ApplyReport.triggers).
            triggers.withLock { $0.append(t) }
            return .failure(await record(outputs: t.outputs, failure: t.description) ?? t.description)
        } catch let d as Diagnostic {
            // A field the kind could not use: said at its FILE:LINE:COLUMN.
            let message = d.placed(in: rc).description
            return .failure(await record(outputs: [:], failure: message) ?? message)
        } catch {
            return .failure(await record(outputs: [:], failure: "\(error)") ?? "\(error)")
        }
    }
}
