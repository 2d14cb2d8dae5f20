import ArgumentParser
import Foundation
import OGFCore
import OGFPlan
import OGFState

/// `ogf rollback ENV --to VERSION`: a plan that returns the resources recording releases
/// (Kubernetes workloads) to one of them, reviewed and applied like any other plan.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Plan (and apply) a return of the Kubernetes workloads to a release recorded in state.",
        discussion: """
        VERSION is a release's version label (the k8s_manifest `version` field, e.g.
        ${var.release}) or its release number. Each k8s_manifest resource that recorded
        that release gets its manifests and image digests back; schema changes are not
        reverted. A release that ran against a schema older than a migration marked
        `-- ogf:breaking` is refused unless --force: the old code cannot run against
        the new schema.

        A rollback is a plan like any other:
          ogf rollback ENV --to v1 -out rollback.out   save it for review
          ogf show rollback.out [--json|--markdown]    render it
          ogf apply rollback.out                       apply exactly that
        Without -out it shows the plan and asks for `yes` (or --auto-approve), then
        applies with the same progress lines, Ctrl-C handling and history as apply.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Option(name: .customLong("to"), help: ArgumentHelp("The release to return to: its version label or release number.", valueName: "VERSION"))
    var version: String
    @Flag(name: .customLong("force"), help: "Roll back even across a breaking migration.") var force = false
    @Option(name: [.customLong("out", withSingleDash: true), .customLong("out")], help: ArgumentHelp("Save the rollback plan to FILE for `ogf apply FILE`.", valueName: "FILE"))
    var out: String?
    @Flag(name: .customLong("json"), help: "Print the plan as JSON (docs/json-format.md) instead of text.")
    var json = false
    @Flag(name: [.customLong("auto-approve"), .customLong("auto-approve", withSingleDash: true)], help: "Roll back without asking for confirmation.")
    var autoApprove = false
    @OptionGroup var options: PlanOptions
    @Flag(name: .customLong("no-notify"), help: "Send no telemetry for this run (Grafana, Pushgateway, OTLP, Slack, email); reports and the audit log are still written.")
    var noNotify = false

    func run() async throws {
        let ws = Workspace(global)
        let mode = OperationMode.rollback(to: version, force: force)
        let session = try await PlanSession.make(ws, environment: environment, options: options, operation: mode.operationName, mode: mode)
        defer { session.lock.release() }
        let plan = session.plan
        Terminal.out(json ? JSONRenderer().render(plan) : TextRenderer(style: TextStyle(color: ws.terminal.color)).render(plan))
        if let out {
            try ws.save(plan, to: out, announce: !json)
            return
        }
        if !autoApprove {
            guard ws.terminal.stdinIsTTY else {
                throw ws.fail("refusing to roll back without confirmation",
                              detail: "stdin is not a terminal: pass --auto-approve, or save the plan with -out FILE and apply that.")
            }
            Terminal.out("\nRoll \(environment) back to \(version)? Only 'yes' will be accepted: ")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                Terminal.out("Rollback cancelled.\n")
                throw ExitCode(1)
            }
        }
        Terminal.out("\n")
        var runOptions = plan.options
        runOptions.merge(options.runOptions)
        try await ApplyRun(ws: ws, parallelism: options.parallelism, options: runOptions, notify: !noNotify)
            .execute(plan: plan, config: session.config, variables: session.variables, state: session.state,
                     backend: session.backend, lock: session.lock)
    }
}
