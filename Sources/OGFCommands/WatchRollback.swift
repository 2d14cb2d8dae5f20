import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFPlan
import OGFState

/// What an apply does when a `watch` trigger fired: rolls the watch's `rollback` resources back
/// to their last good release through the ordinary rollback plan (the planner's rollback mode,
/// the same applier, events and history — no second rollback machinery), with the trigger and
/// its evidence recorded in the rollback's history entry. The apply still fails.
struct WatchRollback {
    let ws: Workspace
    let parallelism: Int
    let options: RunOptions
    /// The backend and lock of the apply that watched: the rollback records through the same ones.
    let backend: any StateBackend
    let lock: any StateLease

    func react(_ triggers: [WatchTriggered], config: EnvironmentConfig, variables: [String: String], state: StateFile) async throws {
        let style = TextStyle(color: ws.terminal.color)
        var state = state
        for t in triggers {
            Terminal.out("\n" + style.red(style.bold("\(t.watch): trigger \(t.trigger) fired: \(t.reason)")) + "\n")
            for line in t.evidence { Terminal.out("  \(line)\n") }
            let targets = t.rollback.compactMap(ResourceAddress.init(parsing:))
            guard !targets.isEmpty else {
                Terminal.out("Nothing to roll back: \(t.watch) lists no rollback resources.\n")
                continue
            }
            // Each resource returns to the release before its newest one; resources whose
            // previous release numbers differ are rolled back in one plan per number.
            var groups: [String: [ResourceAddress]] = [:]
            for a in targets {
                guard let previous = Self.lastGood(state.resources[a]) else {
                    Terminal.out(style.yellow("\(a): no earlier release is recorded; it cannot be rolled back.") + "\n")
                    continue
                }
                groups[previous, default: []].append(a)
            }
            for (release, addresses) in groups.sorted(by: { $0.key < $1.key }) {
                Terminal.out("\nRolling back \(addresses.map(\.description).joined(separator: ", ")) to release \(release) (\(t.watch): \(t.trigger)).\n")
                state = try await rollBack(addresses, to: release, trigger: t, config: config, variables: variables, state: state)
            }
        }
        throw ExitCode(1)
    }

    /// The number of the release before the newest one recorded for a `k8s_manifest`.
    static func lastGood(_ resource: ResourceState?) -> String? {
        let list = resource?.outputs["releases"]?.listValue ?? []
        guard list.count >= 2, let n = list[list.count - 2]["release"]?.intValue else { return nil }
        return String(n)
    }

    func rollBack(_ addresses: [ResourceAddress], to release: String, trigger: WatchTriggered, config: EnvironmentConfig,
                  variables: [String: String], state: StateFile) async throws -> StateFile {
        let mode = OperationMode.rollback(to: release, force: false)
        let context = ws.context(config, variables, hasher: state.hasher, options: options)
        let planner = Planner(config: config, registry: ws.registry, prior: state.priorState, environment: variables, context: context,
                              targets: addresses, parallelism: parallelism, operation: mode)
        let (planned, diags) = await planner.plan()
        ws.report(Diagnostics(diags.items.filter { $0.severity != .note }))
        guard var plan = planned else {
            Terminal.out("The automatic rollback could not be planned (above); roll back by hand: ogf rollback \(config.name) --to VERSION\n")
            return state
        }
        // Exactly the listed resources: dependencies the target closure pulled in stay as they are.
        for i in plan.changes.indices where !addresses.contains(plan.changes[i].address) { plan.changes[i].action = .noop }
        plan.trigger = trigger
        Terminal.out(TextRenderer(style: TextStyle(color: ws.terminal.color)).render(plan))
        do {
            try await ApplyRun(ws: ws, parallelism: parallelism, options: options)
                .execute(plan: plan, config: config, variables: variables, state: state, backend: backend, lock: lock)
        } catch let e as ExitCode where e == ExitCode(1) {
            // Reported by the run's own view; the apply fails anyway.
        }
        return ((try? await backend.read()) ?? nil) ?? state
    }
}
