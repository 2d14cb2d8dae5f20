import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFKubernetes
import OGFPlan
import OGFState

struct PlanOptions: ParsableArguments {
    @Option(name: .customLong("target"), help: ArgumentHelp("Plan only this resource and what it depends on; repeatable.", valueName: "ADDR"))
    var targets: [String] = []

    @Option(name: .customLong("replace"), help: ArgumentHelp("Plan this managed resource to be replaced even if nothing changed (e.g. a new postgres_backup); repeatable.", valueName: "ADDR"))
    var replace: [String] = []

    @Option(name: .customLong("refresh"), help: ArgumentHelp("Read live systems while planning (false: trust state).", valueName: "true|false"))
    var refresh: Bool = true

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Wait this long for another ogf to release the state lock.", valueName: "DURATION"))
    var lockTimeout: String = "0s"

    @Option(name: .customLong("parallelism"), help: "How many resources to plan or apply at once.")
    var parallelism: Int = 10

    @Flag(name: .customLong("force-conflicts"), help: "Kubernetes: take over fields another field manager owns instead of failing on the conflict.")
    var forceConflicts = false

    @Option(name: .customLong("context"), help: ArgumentHelp("Kubernetes: use this kubeconfig context instead of the configured one (or the current-context). A saved plan remembers it.", valueName: "NAME"))
    var kubeContext: String?

    @Option(name: .customLong("override-policy"), help: ArgumentHelp("Deploy outside the environment's deploy windows; the reason is required and is recorded with who and when, in the plan and in history.", valueName: "REASON"))
    var overridePolicy: String?

    /// The kind-scoped options these flags set.
    var runOptions: RunOptions {
        var o = RunOptions()
        o[KubeContextOption.self] = kubeContext
        o[ForceConflictsOption.self] = forceConflicts
        return o
    }

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
        if let r = overridePolicy, r.trimmingCharacters(in: .whitespacesAndNewlines).count < 3 {
            throw ValidationError("--override-policy needs a reason, e.g. --override-policy \"hotfix for the login outage, approved by on-call\"")
        }
    }
}

/// Makes a plan for an environment: load, lock, recover, plan. Shared by plan and apply.
struct PlanSession {
    let ws: Workspace
    let config: EnvironmentConfig
    let variables: [String: String]
    let lock: StateLock
    let state: StateFile
    let plan: Plan

    static func make(_ ws: Workspace, environment: String, options: PlanOptions, operation: String,
                     mode: OperationMode = .apply) async throws -> PlanSession {
        let config = try ws.loadConfig(environment)
        // The release being promoted first: when the other environment was never deployed (or
        // rolled back), say so before the deploy windows and before asking any live system.
        // The error lists every failed line (stdout stays clean for --json).
        if let early = try ws.promotion(config, changes: [], mode: mode), !early.passed {
            try ws.enforce(early, environment: config.name)
        }
        let policyOverride = try ws.checkPolicy(config, mode: mode, override: options.overridePolicy)
        let targets = try parseTargets(options.targets, ws)
        let replace = try parseTargets(options.replace, ws)
        let timeout = try parseDuration(options.lockTimeout, flag: "--lock-timeout", ws)
        let (lock, state) = try ws.lockAndRecover(environment, operation: operation, timeout: timeout)
        let variables = ws.variables(config)
        let context = ws.context(config, variables, hasher: state.hasher, options: options.runOptions)
        let planner = Planner(config: config, registry: ws.registry, prior: state.priorState, environment: variables, context: context,
                              refresh: options.refresh, targets: targets, parallelism: options.parallelism, replace: replace,
                              operation: mode)
        let (planned, diags) = await planner.plan()
        ws.report(Diagnostics(diags.items.filter { $0.severity == .error }))
        guard var plan = planned else {
            lock.release()
            throw ws.failure(diags)
        }
        // Saved with the plan: the context it was made against (not --force-conflicts, which
        // is decided when applying).
        plan.options[KubeContextOption.self] = options.kubeContext
        plan.policyOverride = policyOverride
        do {
            plan.promotion = try ws.promotion(config, changes: plan.changes, mode: plan.operation)
        } catch {
            lock.release()
            throw error
        }
        return PlanSession(ws: ws, config: config, variables: variables, lock: lock, state: state, plan: plan)
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what an apply would do, and optionally save it.",
        discussion: """
        Compares the configuration with state/ENV.json (and, with --refresh, live
        systems) and prints each change:
          +    create              ~   update in place     -/+  replace
          -    destroy             <=  check (gates and checks run every apply)
          >    run (a step that runs every apply, e.g. exec with always: true)
        Save it with -out FILE and apply exactly that with `ogf apply FILE`; a saved
        plan holds no secret values.
        Exit codes: 0 success (with -detailed-exitcode: no changes), 1 error,
        2 changes present (-detailed-exitcode only): a managed resource would be
        added, changed or destroyed; runs and checks alone are not changes.
        With promotion: in the environment file, the plan first shows the promotion
        gate line by line (same image digests and migrations as the other
        environment's last verified release); a blocked gate exits 1, saves nothing.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String
    @Option(name: [.customLong("out", withSingleDash: true), .customLong("out")], help: ArgumentHelp("Save the plan to FILE for `ogf apply FILE`.", valueName: "FILE"))
    var out: String?
    @Flag(name: .customLong("json"), help: "Print the plan as JSON (docs/json-format.md) instead of text.")
    var json = false
    @Flag(name: [.customLong("detailed-exitcode", withSingleDash: true), .customLong("detailed-exitcode")], help: "Exit 0 for no changes, 2 for changes, 1 for errors.")
    var detailedExitcode = false
    @OptionGroup var options: PlanOptions

    func run() async throws {
        let ws = Workspace(global)
        let session = try await PlanSession.make(ws, environment: environment, options: options, operation: "plan")
        defer { session.lock.release() }
        let plan = session.plan
        if json {
            Terminal.out(JSONRenderer().render(plan))
        } else {
            Terminal.out(TextRenderer(style: TextStyle(color: ws.terminal.color)).render(plan))
        }
        // A blocked promotion is shown in full above, then refused: no plan file to apply.
        try ws.enforce(plan.promotion, environment: plan.environment)
        if let out { try ws.save(plan, to: out, announce: !json) }
        if detailedExitcode && plan.summary.hasChanges { throw ExitCode(2) }
    }
}
