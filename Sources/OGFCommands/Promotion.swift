import Foundation
import OGFConfig
import OGFCore
import OGFPlan
import OGFState

extension Workspace {
    /// Another environment's state as it is now, without taking its lock (a snapshot; an apply
    /// in flight shows as its journal replayed). nil when the environment has never been deployed.
    /// The one place commands read a state they do not own: a state backend plugs in here.
    func loadState(environment: String) throws -> StateFile? {
        let store = store(environment)
        guard store.exists else { return nil }
        return try store.load().state
    }

    /// The promotion gate for a plan of `config`'s environment (nil without `promotion:`, and for
    /// rollbacks, which return to a release this environment already ran). Reads the `from`
    /// environment's state; the comparison itself is `PromotionGate.evaluate`.
    /// With no changes it checks the release alone (never deployed, rolled back, soak, age,
    /// verification): done before planning, so no live system is asked when that already fails.
    func promotion(_ config: EnvironmentConfig, changes: [ResourceChange], mode: OperationMode, now: Date = Date()) throws -> PromotionReport? {
        guard let rule = config.promotion, mode == .apply else { return nil }
        let state: StateFile?
        do {
            state = try loadState(environment: rule.from)
        } catch {
            let d = Diagnostic.error("promotion.from: the state of \(rule.from) cannot be read: \(error)",
                                     detail: "Nothing was applied. Repair state/\(rule.from).json (its previous version is state/\(rule.from).json.backup) or fix promotion.from.",
                                     code: .invalidField, at: rule.fromLocation)
            report(Diagnostics([d]))
            throw failure(Diagnostics([d]))
        }
        let source = state.map { s in
            PromotionSource(environment: s.environment, lineage: s.lineage, resources: s.resources,
                            history: s.history.map { .init(id: $0.id, name: $0.operation, startedAt: $0.startedAt, finishedAt: $0.finishedAt,
                                                           succeeded: $0.outcome == .succeeded) })
        }
        return PromotionGate.evaluate(rule, changes: changes, source: source, now: now)
    }

    /// Refuses a plan the promotion gate blocked, naming what differs and how to fix it.
    func enforce(_ report: PromotionReport?, environment: String) throws {
        guard let report, !report.passed else { return }
        let failures = report.failures
        throw fail("\(environment) cannot be promoted from \(report.from): \(failures.count) check\(failures.count == 1 ? "" : "s") failed",
                   detail: failures.map { "✗ \($0.text)" }.joined(separator: "\n") + "\nTo fix: \(report.fix ?? "deploy this release to \(report.from) first").")
    }
}
