import Foundation

/// The interface every resource kind meets: describe its configuration, plan a change against
/// what was recorded (and, where it can, what is live), apply it, and report outputs.
///
/// Kinds get their side effects (HTTP client, process runner, database connector) through their
/// initialisers, so tests can hand in loopback versions. The engine owns ordering, state,
/// redaction and rendering; a kind only answers for one resource at a time.
public protocol ResourceKind: Sendable {
    /// The `<kind>` part of addresses, e.g. `check_http`.
    var name: String { get }
    var role: ResourceRole { get }
    var schema: Schema { get }
    /// One line for docs and `--help`.
    var summary: String { get }
    /// Outputs others may reference (`${kind.name.OUTPUT}`), for validation and docs.
    var outputs: [String: String] { get }
    /// The line a pre-flight gate or check answers in `ogf checklist` (the mission's
    /// deployment checklist), e.g. `database_connection`; nil: not on the checklist unless a
    /// resource sets `checklist_name:`.
    var checklistName: String? { get }

    /// Decides the action for one resource. The default compares configuration with state.
    func plan(_ request: PlanRequest) async throws -> PlanResponse

    /// Carries out a planned create, update, replace or check. Throw `ResourceFailure` to fail
    /// with a clear message (and optionally outputs worth recording, such as an exit code).
    func apply(_ request: ApplyRequest) async throws -> ApplyResponse

    /// Removes what a resource owns when it left the configuration. Default: nothing to remove.
    func destroy(_ request: DestroyRequest) async throws
}

/// Everything a kind may look at when planning.
public struct PlanRequest: Sendable {
    public var address: ResourceAddress
    /// Resolved configuration with defaults; may hold `.unknown` and `.sensitive` values.
    public var config: [String: Value]
    public var prior: ResourceState?
    /// Field names whose value differs from the recorded attributes (sensitive ones by hash).
    public var changedFields: [String]
    /// False with `--refresh=false`: do not read live systems.
    public var refresh: Bool
    public var context: KindContext
    /// Dependencies this plan creates, updates or replaces (a `watch` runs again after a rollout).
    public var changingDependencies: [ResourceAddress]

    public init(address: ResourceAddress, config: [String: Value], prior: ResourceState?, changedFields: [String], refresh: Bool, context: KindContext,
                changingDependencies: [ResourceAddress] = []) {
        self.changingDependencies = changingDependencies
        self.address = address
        self.config = config
        self.prior = prior
        self.changedFields = changedFields
        self.refresh = refresh
        self.context = context
    }
}

/// A kind's answer to `plan`.
public struct PlanResponse: Sendable {
    public var action: Action
    /// Why, for the plan's `# ... (reason)` line: "command changed", "always: true".
    public var reasons: [String]
    /// Outputs as far as known at plan time; others are `.unknown`.
    public var plannedOutputs: [String: Value]
    /// Extra lines the plan shows under the resource (pending migrations, changed files).
    public var details: [String]
    public var diagnostics: [Diagnostic]

    public init(action: Action, reasons: [String] = [], plannedOutputs: [String: Value] = [:], details: [String] = [], diagnostics: [Diagnostic] = []) {
        self.action = action
        self.reasons = reasons
        self.plannedOutputs = plannedOutputs
        self.details = details
        self.diagnostics = diagnostics
    }
}

public struct ApplyRequest: Sendable {
    public var address: ResourceAddress
    /// Fully resolved configuration (sensitive values still marked; use `.unmarked` to use them).
    public var config: [String: Value]
    public var prior: ResourceState?
    public var action: Action
    public var context: KindContext
    /// Reports progress for long work ("2 of 3 updated"); shown by the view.
    public var progress: @Sendable (String) -> Void
    /// `.rollback` when this change returns the resource to a recorded release.
    public var mode: OperationMode
    /// Records unfinished work in the state journal at once (a long `watch`'s progress), so a
    /// killed run can be resumed: the resource is recorded tainted with `message` as its failure
    /// and these outputs beside it, until the kind returns.
    public var checkpoint: @Sendable (_ outputs: [String: Value], _ message: String) async -> Void
    /// True once the run was asked to stop (a first Ctrl-C): long work that can resume later (a
    /// watch) checkpoints and stops instead of running to its end.
    public var isStopping: @Sendable () -> Bool = { false }

    public init(address: ResourceAddress, config: [String: Value], prior: ResourceState?, action: Action, context: KindContext,
                mode: OperationMode = .apply, progress: @escaping @Sendable (String) -> Void,
                checkpoint: @escaping @Sendable ([String: Value], String) async -> Void = { _, _ in }) {
        self.mode = mode
        self.checkpoint = checkpoint
        self.address = address
        self.config = config
        self.prior = prior
        self.action = action
        self.context = context
        self.progress = progress
    }
}

public struct ApplyResponse: Sendable {
    public var outputs: [String: Value]
    /// One line for the report, e.g. "exit 0 in 2.1s" or "200 OK in 35ms".
    public var summary: String?

    public init(outputs: [String: Value] = [:], summary: String? = nil) {
        self.outputs = outputs
        self.summary = summary
    }
}

public struct DestroyRequest: Sendable {
    public var address: ResourceAddress
    public var prior: ResourceState
    public var context: KindContext

    public init(address: ResourceAddress, prior: ResourceState, context: KindContext) {
        self.address = address
        self.prior = prior
        self.context = context
    }
}

/// A resource failed. The message says what and what to do; outputs are recorded in state.
public struct ResourceFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var outputs: [String: Value]

    public init(_ message: String, outputs: [String: Value] = [:]) {
        self.message = message
        self.outputs = outputs
    }

    public var description: String { message }
}

/// Facts about the run that kinds may use. No I/O handles live here: kinds get those through
/// their initialisers.
public struct KindContext: Sendable {
    /// The environment's name, e.g. `production`.
    public var environment: String
    public var isProtected: Bool
    /// The project folder (`-C DIR`); relative paths in configuration are relative to it.
    public var projectRoot: String
    /// The process environment merged with the environment's `env_file`.
    public var variables: [String: String]
    /// Masks known secret values in text a kind is about to record or show (command output).
    public var redact: @Sendable (String) -> String
    /// The state's salted hash, for kinds that detect secret rotation without storing secrets.
    public var hashSecret: @Sendable (String) -> String
    /// Command-line options for the kinds of one system (Kubernetes' `--context`), by typed key.
    public var options: RunOptions
    /// The configured secrets by name (every `${secret.X}` the configuration uses, gate_secret's
    /// names, and the env_file's entries), with their values, for kinds that must look for them
    /// (gate_git_secrets). Memory only: never record, show or interpolate a value.
    public var secrets: [String: String]
    /// What state records for another resource now (during an apply: including what this run
    /// applied). For kinds that act on resources they name by address (`watch`); nil if none.
    public var recorded: @Sendable (ResourceAddress) -> ResourceState? = { _ in nil }

    public init(environment: String, isProtected: Bool, projectRoot: String, variables: [String: String],
                redact: @escaping @Sendable (String) -> String = { $0 }, hashSecret: @escaping @Sendable (String) -> String = { _ in "" },
                options: RunOptions = RunOptions(), secrets: [String: String] = [:]) {
        self.options = options
        self.secrets = secrets
        self.environment = environment
        self.isProtected = isProtected
        self.projectRoot = projectRoot
        self.variables = variables
        self.redact = redact
        self.hashSecret = hashSecret
    }

    /// Resolves a configuration path against the project root.
    public func path(_ p: String) -> String {
        p.hasPrefix("/") ? p : (projectRoot as NSString).appendingPathComponent(p)
    }
}

extension ResourceKind {
    public var outputs: [String: String] { [:] }

    public var checklistName: String? { nil }

    public func destroy(_ request: DestroyRequest) async throws {}

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        defaultPlan(request)
    }

    /// Gates and checks are checked every time; managed resources are created when absent,
    /// replaced when a field that forces replacement changed, updated when anything else did.
    public func defaultPlan(_ request: PlanRequest) -> PlanResponse {
        let unknownOutputs = Dictionary(uniqueKeysWithValues: outputs.keys.map { ($0, Value.unknown) })
        if role != .managed { return PlanResponse(action: .check, plannedOutputs: unknownOutputs) }
        guard let prior = request.prior else { return PlanResponse(action: .create, plannedOutputs: unknownOutputs) }
        if prior.status != .ready {
            return PlanResponse(action: .replace, reasons: ["the last apply failed"], plannedOutputs: unknownOutputs)
        }
        if request.changedFields.isEmpty { return PlanResponse(action: .noop, plannedOutputs: prior.outputs) }
        let forcing = request.changedFields.filter { schema.field($0)?.forcesReplacement == true }
        if !forcing.isEmpty {
            return PlanResponse(action: .replace, reasons: forcing.map { "\($0) changed" }, plannedOutputs: unknownOutputs)
        }
        return PlanResponse(action: .update, plannedOutputs: unknownOutputs)
    }
}

/// The kinds a run knows, by name.
public struct KindRegistry: Sendable {
    public private(set) var kinds: [String: any ResourceKind] = [:]

    public init(_ kinds: [any ResourceKind] = []) {
        for k in kinds { register(k) }
    }

    /// Registering two kinds under one name is a programming error in the catalogue.
    public mutating func register(_ kind: any ResourceKind) {
        precondition(kinds[kind.name] == nil, "kind \(kind.name) registered twice")
        kinds[kind.name] = kind
    }

    public subscript(name: String) -> (any ResourceKind)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }
}
