import ArgumentParser
import Foundation
import OGFCore
import OGFPlan

/// `ogf watch ENV`: runs the environment's watches that are due — above all one a killed run
/// left unfinished, which resumes its remaining window with the evidence so far — and nothing
/// else. A trigger rolls back as during `ogf apply`.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Resume an unfinished watch (or run the watches that are due) without applying anything else.",
        discussion: """
        A watch's progress is journaled as it runs. If ogf is killed, or the CI
        job ends, in the middle of a watch, `ogf plan ENV` shows it as unfinished
        (never passed), and `ogf watch ENV` resumes the remaining window, keeping
        the measurements so far. A watch whose followed releases changed since
        starts over.

        Only watch resources run: nothing is created, changed or rolled out,
        except that a trigger that fires rolls its `rollback` resources back to
        their last good release (as during `ogf apply`), records that in history,
        and exits 1. See docs/watch.md.

        Exit codes: 0 the watches passed, 1 a trigger fired or a watch failed,
        130 interrupted.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @OptionGroup var options: PlanOptions

    func run() async throws {
        let ws = Workspace(global)
        let session = try await PlanSession.make(ws, environment: environment, options: options, operation: "watch")
        defer { session.lock.release() }
        var plan = session.plan
        for i in plan.changes.indices where plan.changes[i].address.kind != "watch" || plan.changes[i].action == .delete {
            plan.changes[i].action = .noop
        }
        let due = plan.changes.filter { $0.action != .noop }
        guard !due.isEmpty else {
            Terminal.out("No watch is due in \(environment): every watch verified the releases it follows.\n")
            return
        }
        for c in due {
            Terminal.out("\(c.address): \(c.reasons.joined(separator: "; "))\n")
        }
        Terminal.out("\n")
        var runOptions = plan.options
        runOptions.merge(options.runOptions)
        try await ApplyRun(ws: ws, parallelism: options.parallelism, options: runOptions, operationLabel: "watch")
            .execute(plan: plan, config: session.config, variables: session.variables, state: session.state,
                     backend: session.backend, lock: session.lock)
    }
}
