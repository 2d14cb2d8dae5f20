import ArgumentParser
import Foundation
import OGFApply
import OGFConfig
import OGFCore
import OGFKubernetes
import OGFGraph
import OGFPlan
import OGFState

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a saved plan, or plan an environment and apply after confirmation.",
        discussion: """
        ogf apply FILE  applies a plan saved with `ogf plan ENV -out FILE` (or
                        `ogf rollback ENV --to VERSION -out FILE`), exactly as
                        reviewed. It is refused when the state or the configuration
                        changed since, or when it came from another ogf version.
        ogf apply ENV   plans, shows the plan and asks for `yes` (or --auto-approve).

        Resources run in parallel where dependencies allow (--parallelism, default
        10), longest chains first. A failure skips what depends on it; independent
        work finishes. Each finished resource is recorded in state at once.
        Ctrl-C once: nothing new starts, in-flight work finishes, state is saved.
        Ctrl-C twice: in-flight work is stopped. Exit code 130 when interrupted.
        Outside the environment's deploy windows (policy: in its file) it is
        refused unless the plan was made with --override-policy "REASON".
        With promotion: in its file, the other environment's last release must
        have run the same image digests and migrations (checked again here, also
        for a saved plan).
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A saved plan file, or an environment name.") var planOrEnvironment: String
    @Flag(name: [.customLong("auto-approve"), .customLong("auto-approve", withSingleDash: true)], help: "Apply without asking for confirmation.")
    var autoApprove = false
    @OptionGroup var options: PlanOptions
    @Flag(name: .customLong("no-notify"), help: "Send no telemetry for this run (Grafana, Pushgateway, OTLP, Slack, email); reports and the audit log are still written.")
    var noNotify = false

    func run() async throws {
        let ws = Workspace(global)
        let isFile = planOrEnvironment.contains("/") || planOrEnvironment.hasSuffix(".out") || planOrEnvironment.hasSuffix(".json")
            || (FileManager.default.fileExists(atPath: planOrEnvironment) && !ConfigLoader(root: ws.root, registry: ws.registry).availableEnvironments().contains(planOrEnvironment))
        if isFile {
            try await applySaved(ws)
        } else {
            try await applyFresh(ws)
        }
    }

    func applyFresh(_ ws: Workspace) async throws {
        let session = try await PlanSession.make(ws, environment: planOrEnvironment, options: options, operation: "apply")
        defer { session.lock.release() }
        let plan = session.plan
        Terminal.out(TextRenderer(style: TextStyle(color: ws.terminal.color)).render(plan))
        try ws.enforce(plan.promotion, environment: plan.environment)
        guard plan.changes.contains(where: { $0.action != .noop }) else { return }
        if !autoApprove {
            guard ws.terminal.stdinIsTTY else {
                throw ws.fail("refusing to apply without confirmation", detail: "stdin is not a terminal: pass --auto-approve, or save a plan with `ogf plan \(planOrEnvironment) -out plan.out` and apply that.")
            }
            Terminal.out("\nDo you want to perform these actions on \(planOrEnvironment)?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                Terminal.out("\nApply cancelled.\n")
                throw ExitCode(1)
            }
        }
        Terminal.out("\n")
        try await execute(ws, plan: plan, config: session.config, variables: session.variables, state: session.state, backend: session.backend, lock: session.lock)
    }

    func applySaved(_ ws: Workspace) async throws {
        let plan: Plan
        do {
            plan = try PlanFile.read(planOrEnvironment)
        } catch {
            throw ws.fail("\(error)")
        }
        let config = try ws.loadConfig(plan.environment)
        // The window may have closed since the plan was made; an override made then still holds.
        if plan.policyOverride == nil { _ = try ws.checkPolicy(config, mode: plan.operation, override: nil) }
        guard config.inputDigest == plan.inputDigest else {
            throw ws.fail("the saved plan is stale: the configuration of \(plan.environment) changed since it was made",
                          detail: "Files read: \(config.inputFiles.joined(separator: ", ")). Run `ogf plan \(plan.environment) -out \(planOrEnvironment)` again and review the new plan.")
        }
        let timeout = try parseDuration(options.lockTimeout, flag: "--lock-timeout", ws)
        let (lock, state, backend) = try await ws.lockAndRecover(config, operation: "apply \((planOrEnvironment as NSString).lastPathComponent)", timeout: timeout)
        defer { lock.release() }
        guard state.lineage == plan.stateLineage else {
            throw ws.fail("the saved plan was made for another state (lineage \(plan.stateLineage), this state is \(state.lineage))",
                          detail: "Plan again against this state: `ogf plan \(plan.environment) -out \(planOrEnvironment)`.")
        }
        guard state.serial == plan.stateSerial else {
            throw ws.fail("the saved plan is stale: the state of \(plan.environment) changed since it was made (serial \(plan.stateSerial) → \(state.serial))",
                          detail: "Someone applied or recovered in between. Run `ogf plan \(plan.environment) -out \(planOrEnvironment)` again and review the new plan.")
        }
        let planned = plan.options[KubeContextOption.self]
        if let asked = options.kubeContext, asked != planned {
            throw ws.fail("--context \(asked) differs from the context the plan was made with (\(planned ?? "the configured one"))",
                          detail: "A saved plan applies to the cluster it was planned against. Plan again with --context \(asked).")
        }
        let variables = ws.variables(config)
        let context = ws.context(config, variables, hasher: state.hasher, options: applyOptions(plan))
        let targets = plan.targets.compactMap(ResourceAddress.init(parsing:))
        let verifier = Planner(config: config, registry: ws.registry, prior: state.priorState, environment: variables, context: context,
                               refresh: plan.refresh, targets: targets, parallelism: options.parallelism)
        let (_, diags) = await verifier.plan(mode: .verify(plan))
        if diags.hasErrors {
            ws.report(Diagnostics(diags.errors))
            throw ws.failure(diags)
        }
        // The promotion gate again, now: the other environment may have been rolled back, or its
        // state replaced, since the plan was made.
        if var promotion = try await ws.promotion(config, changes: plan.changes, mode: plan.operation) {
            if let was = plan.promotion?.fromLineage, let now = promotion.fromLineage, was != now {
                promotion.lines.insert(.init(subject: "lineage", text: "the state of \(promotion.from) was replaced since this plan was made (lineage \(was) → \(now))", ok: false), at: 0)
                promotion.fix = "plan again: ogf plan \(plan.environment) -out \(planOrEnvironment)"
            }
            if !promotion.passed {
                Terminal.out(TextRenderer(style: TextStyle(color: ws.terminal.color)).renderPromotion(promotion))
                try ws.enforce(promotion, environment: plan.environment)
            }
        }
        let summary = plan.summary
        let what = plan.operation == .apply ? "plan" : "plan (\(plan.operation.operationName))"
        Terminal.out("Applying the saved \(what) for \(plan.environment): \(summary.text).\n\n")
        try await execute(ws, plan: plan, config: config, variables: variables, state: state, backend: backend, lock: lock)
    }

    func execute(_ ws: Workspace, plan: Plan, config: EnvironmentConfig, variables: [String: String], state: StateFile,
                 backend: any StateBackend, lock: any StateLease) async throws {
        try await ApplyRun(ws: ws, parallelism: options.parallelism, options: applyOptions(plan), notify: !noNotify)
            .execute(plan: plan, config: config, variables: variables, state: state, backend: backend, lock: lock)
    }

    /// The plan's saved options, with this command's --force-conflicts.
    func applyOptions(_ plan: Plan) -> RunOptions {
        var o = plan.options
        o[ForceConflictsOption.self] = options.forceConflicts
        return o
    }
}
