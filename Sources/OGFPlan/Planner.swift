import Foundation
import OGFConfig
import OGFCore
import OGFGraph
import Synchronization

/// What the planner needs to know of the recorded state.
public struct PriorState: Sendable {
    public var lineage: String
    public var serial: Int
    public var hasher: SecretHasher
    public var resources: [ResourceAddress: ResourceState]

    public init(lineage: String, serial: Int, hasher: SecretHasher, resources: [ResourceAddress: ResourceState]) {
        self.lineage = lineage
        self.serial = serial
        self.hasher = hasher
        self.resources = resources
    }
}

/// Builds the dependency graph from configuration, reporting cycles at their source.
public enum GraphBuilder {
    public static func build(_ config: EnvironmentConfig) -> (DependencyGraph, [Diagnostic]) {
        let (graph, diags, _) = buildKeepingEdges(config)
        return (graph, diags)
    }

    /// Also returns each resource's `ResourceConfig.dependencies`, which the planner records
    /// in its changes: computed once instead of once here and once per change.
    static func buildKeepingEdges(_ config: EnvironmentConfig) -> (DependencyGraph, [Diagnostic], [ResourceAddress: [ResourceAddress]]) {
        var edges: [ResourceAddress: [ResourceAddress]] = [:]
        edges.reserveCapacity(config.resources.count)
        for (a, rc) in config.resources { edges[a] = rc.dependencies }
        let graph = DependencyGraph(nodes: Array(config.resources.keys), edges: edges)
        let diags = graph.cycles().map { cycle -> Diagnostic in
            let first = config.resources[cycle[0]]!
            let loc = first.dependsOn.first { $0.address == cycle[1] }?.location
                ?? first.referencedResources.first { $0.address == cycle[1] }?.location ?? first.location
            return .error("dependency cycle: \(cycle.map(\.description).joined(separator: " → "))",
                          detail: "Each resource in a cycle waits for another. Remove one of these depends_on entries or references.",
                          code: .dependencyCycle, at: loc)
        }
        return (graph, diags, edges)
    }
}

/// Diffs configuration against recorded state and asks each kind what it would do, walking the
/// graph so that a resource sees whether the outputs it references will be known.
public struct Planner: Sendable {
    public var config: EnvironmentConfig
    public var registry: KindRegistry
    public var prior: PriorState
    /// Process environment merged with the env file.
    public var environment: [String: String]
    public var context: KindContext
    public var refresh: Bool
    public var targets: [ResourceAddress]
    public var parallelism: Int
    /// `--replace ADDR`: managed resources to replace whatever their kind decided.
    public var replace: [ResourceAddress]
    /// `.rollback`: resources that record releases return to one; nothing else changes.
    public var operation: OperationMode

    public init(config: EnvironmentConfig, registry: KindRegistry, prior: PriorState, environment: [String: String],
                context: KindContext, refresh: Bool = true, targets: [ResourceAddress] = [], parallelism: Int = 10,
                replace: [ResourceAddress] = [], operation: OperationMode = .apply) {
        self.replace = replace
        self.operation = operation
        self.config = config
        self.registry = registry
        self.prior = prior
        self.environment = environment
        self.context = context
        self.refresh = refresh
        self.targets = targets
        self.parallelism = parallelism
    }

    /// When verifying a saved plan, the kinds are not asked again: the saved actions are taken,
    /// and only the desired values are recomputed and compared.
    public enum Mode: Sendable {
        case fresh
        case verify(Plan)
    }

    public func plan(mode: Mode = .fresh, now: Date = Date()) async -> (Plan?, Diagnostics) {
        var diags = Diagnostics()
        let (graph, cycleDiags, configuredDependencies) = GraphBuilder.buildKeepingEdges(config)
        diags.append(contentsOf: cycleDiags)
        for r in replace where config.resources[r] == nil || registry[r.kind]?.role != .managed {
            diags.append(.error("--replace \(r): " + (config.resources[r] == nil ? "no such resource." : "only managed resources can be replaced; checks and gates run every apply anyway.")))
        }
        for t in targets where config.resources[t] == nil && prior.resources[t] == nil {
            diags.append(.error("--target \(t): no such resource.\(Suggestion.didYouMean(t.description, config.resources.keys.map(\.description)))"))
        }
        var varDiags: [Diagnostic] = []
        let variables = Evaluator.resolveVariables(config.variables, environment: environment, envFile: config.envFile, diagnostics: &varDiags)
        diags.append(contentsOf: varDiags)
        if diags.hasErrors { return (nil, diags) }

        // Without --target everything is in scope: the graph is already the one to walk.
        let scoped = targets.isEmpty ? graph : DependencyGraph(nodes: Array(graph.closure(of: targets)), edges: graph.dependencies)
        let results = Locked<[ResourceAddress: ResourceChange]>([:])
        let problems = Locked<[Diagnostic]>([])
        let saved: Plan? = if case .verify(let p) = mode { p } else { nil }
        let rollbackTo: String? = if case .rollback(let v, _) = operation { v } else { nil }
        let schemaVersions = Locked<[Int]>([])
        let prior = self.prior
        let walker = DAGWalker(graph: scoped, parallelism: parallelism)

        _ = await walker.walk { address in
            let rc = config.resources[address]!
            let kind = registry[address.kind]!
            let priorState = prior.resources[address]
            let evaluator = Evaluator(variables: variables, environment: environment, envFile: config.envFile) { dep in
                // Only what is needed leaves the lock, not a copy of the whole change.
                guard let c = results.withLock({ r in r[dep].map { (action: $0.action, outputs: $0.plannedOutputs) } }) else {
                    return prior.resources[dep]?.outputs
                }
                return c.action == .noop ? prior.resources[dep]?.outputs : c.outputs
            }
            var d: [Diagnostic] = []
            let values = ResourceResolver(registry: registry, evaluator: evaluator).resolve(rc, diagnostics: &d)
            let redacted = values.mapValues { $0.redacted(with: prior.hasher) }
            let before = priorState?.attributes
            // Fields whose value differs from the recorded one, present on either side (no set
            // union: this runs for every resource).
            var changed = redacted.compactMap { k, v in before?[k] == v ? nil : k }
            if let before { changed += before.keys.filter { redacted[$0] == nil } }
            changed.sort()

            var response: PlanResponse
            if let saved {
                guard let sc = saved.change(address) else {
                    problems.withLock { $0.append(.error("the saved plan does not include \(address), which the configuration now declares", at: rc.location)) }
                    return false
                }
                response = PlanResponse(action: sc.action, reasons: sc.reasons, plannedOutputs: sc.plannedOutputs, details: sc.details)
            } else if let rollbackTo {
                // A rollback changes only resources that recorded the release; the rest stay.
                response = PlanResponse(action: .noop, plannedOutputs: priorState?.outputs ?? [:])
                if let rk = kind as? any RollbackableKind, let priorState {
                    do {
                        if let rp = try await rk.planRollback(RollbackRequest(address: address, config: values, prior: priorState,
                                                                              version: rollbackTo, context: context)) {
                            response = rp.response
                            if let v = rp.schemaVersion { schemaVersions.withLock { $0.append(v) } }
                        }
                    } catch {
                        d.append(.error("\(address): planning the rollback failed: \(error)", code: .planFailed, at: rc.location))
                    }
                    d.append(contentsOf: response.diagnostics.map { $0.placed(in: rc) })
                }
            } else {
                let request = PlanRequest(address: address, config: values, prior: priorState, changedFields: changed, refresh: refresh, context: context)
                do {
                    response = try await kind.plan(request)
                } catch let one as Diagnostic {
                    d.append(one.placed(in: rc))
                    response = PlanResponse(action: .noop)
                } catch let many as Diagnostics {
                    d.append(contentsOf: many.items.map { $0.placed(in: rc) })
                    response = PlanResponse(action: .noop)
                } catch {
                    d.append(.error("\(address): planning failed: \(error)", code: .planFailed, at: rc.location))
                    response = PlanResponse(action: .noop)
                }
                d.append(contentsOf: response.diagnostics.map { $0.placed(in: rc) })
                if replace.contains(address), response.action != .replace, response.action != .create {
                    response.action = priorState == nil ? .create : .replace
                    response.reasons.append("--replace")
                    response.plannedOutputs = response.plannedOutputs.mapValues { _ in .unknown }
                }
            }
            let replacePaths = response.action == .replace ? changed.filter { kind.schema.field($0)?.forcesReplacement == true } : []
            let change = ResourceChange(address: address, role: kind.role, action: response.action, reasons: response.reasons,
                                        before: before, after: redacted, replacePaths: replacePaths,
                                        plannedOutputs: response.plannedOutputs.mapValues { $0.redacted(with: prior.hasher) },
                                        dependencies: configuredDependencies[address]!, details: response.details)
            results.withLock { $0[address] = change }
            if !d.isEmpty { problems.withLock { $0.append(contentsOf: d) } }
            return true
        }
        diags.append(contentsOf: problems.withLock { $0 })

        var changes = Array(results.withLock { $0 }.values)
        // Recorded resources that left the configuration are destroyed (only those targeted, if any).
        for (address, state) in prior.resources where config.resources[address] == nil {
            if !targets.isEmpty && !targets.contains(address) { continue }
            let role = registry[address.kind]?.role ?? .managed
            changes.append(ResourceChange(address: address, role: role, action: .delete, reasons: ["no longer in the configuration"],
                                          before: state.attributes, after: nil, replacePaths: [], plannedOutputs: [:],
                                          dependencies: state.dependencies, details: []))
        }
        if let rollbackTo, saved == nil, !diags.hasErrors {
            diags.append(contentsOf: rollbackChecks(rollbackTo, changes: changes, schemaVersions: schemaVersions.withLock { $0 }))
        }
        if let saved {
            let now = Dictionary(uniqueKeysWithValues: changes.map { ($0.address, $0) })
            for sc in saved.changes {
                guard let c = now[sc.address] else {
                    diags.append(.error("the saved plan changes \(sc.address), which is no longer part of the configuration"))
                    continue
                }
                if c.afterDigest != sc.afterDigest {
                    let fields = Set((c.after ?? [:]).keys).union((sc.after ?? [:]).keys).filter { c.after?[$0] != sc.after?[$0] }.sorted()
                    let what = fields.isEmpty ? "its values" : fields.joined(separator: ", ")
                    diags.append(.error("the saved plan is stale: \(sc.address) now resolves differently (\(what))",
                                        detail: "An environment variable, secret or file it uses changed since the plan was made. Run `ogf plan` again."))
                }
            }
        }
        if diags.hasErrors { return (nil, diags) }
        let warnings = diags.items.filter { $0.severity != .error }
        var plan = Plan(environment: config.name, isProtected: config.isProtected, createdAt: now, stateLineage: prior.lineage,
                     stateSerial: prior.serial, inputDigest: config.inputDigest, targets: targets.map(\.description), refresh: refresh,
                     changes: changes, warnings: warnings)
        plan.operation = saved?.operation ?? operation
        return (plan, diags)
    }

    /// A rollback needs a release to return to, and must not take code back across a breaking
    /// migration (the old code cannot run against the new schema) unless forced.
    func rollbackChecks(_ version: String, changes: [ResourceChange], schemaVersions: [Int]) -> [Diagnostic] {
        guard changes.contains(where: { $0.action != .noop }) else {
            var known = Set<String>()
            for (a, s) in prior.resources {
                if let rk = registry[a.kind] as? any RollbackableKind { known.formUnion(rk.recordedReleases(s)) }
            }
            return [.error("no release \(version) is recorded for \(config.name)",
                           detail: known.isEmpty ? "No release is recorded yet." : "Recorded: \(known.sorted().joined(separator: ", ")).")]
        }
        guard let target = schemaVersions.min() else { return [] }
        var crossing: [String] = []
        var problems: [Diagnostic] = []
        for (a, s) in prior.resources.sorted(by: { $0.key < $1.key }) {
            guard let guardKind = registry[a.kind] as? any SchemaGuardKind else { continue }
            do {
                crossing += try guardKind.breakingChanges(after: target, prior: s, context: context).map { "\(a): \($0)" }
            } catch {
                problems.append(.error("\(a): cannot tell which migrations are breaking: \(error)"))
            }
        }
        var out = problems
        out.append(Diagnostic(.note, "release \(version) ran against schema version \(target); schema changes are not reverted"))
        if !crossing.isEmpty {
            let detail = "Migrations applied since then that the old code cannot run against:\n  " + crossing.joined(separator: "\n  ")
            if case .rollback(_, true) = operation {
                out.append(.warning("rolling back to \(version) across a breaking migration (--force)", detail: detail))
            } else {
                out.append(.error("refusing to roll back to \(version) across a breaking migration", detail: detail + "\nPass --force to roll back anyway."))
            }
        }
        return out
    }
}

extension Diagnostic {
    /// The location of the value at `path` below `expr` (`[1].headers.Authorization`), as deep as
    /// the configuration goes (a field the user left out is placed at its parent).
    static func deepest(_ expr: Expr, path: Substring) -> SourceLocation {
        var cur = expr
        var rest = path
        while !rest.isEmpty {
            if rest.first == "." { rest = rest.dropFirst() }
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let i = Int(rest[rest.index(after: rest.startIndex)..<close]),
                      case .list(let items) = cur.content, items.indices.contains(i) else { break }
                cur = items[i]
                rest = rest[rest.index(after: close)...]
            } else {
                let key = rest.prefix { $0 != "." && $0 != "[" }
                guard case .map(let entries) = cur.content, let e = entries.first(where: { $0.key == key }) else { break }
                cur = e.value
                rest = rest.dropFirst(key.count)
            }
        }
        return cur.location
    }

    /// A kind's diagnostic placed in the configuration: a field's problem at that field's
    /// `FILE:LINE:COLUMN` (the value, else the key), anything else at the resource; the summary
    /// names the resource and field.
    public func placed(in rc: ResourceConfig) -> Diagnostic {
        guard location == nil else { return self }
        var d = self
        if let field {
            let root = String(field.prefix { $0 != "." && $0 != "[" })
            d.location = rc.fields[root].map { Self.deepest($0, path: field.dropFirst(root.count)) }
                ?? rc.fieldLocations[root] ?? rc.location
            d.summary = "\(rc.address).\(field): \(summary)"
        } else {
            d.location = rc.location
            if !summary.hasPrefix(rc.address.description) { d.summary = "\(rc.address): \(summary)" }
        }
        return d
    }
}
