import Foundation

/// What a plan is for. A rollback goes through plan → review → apply like any change, with the
/// same saved plans, events, interrupt handling and history (Terraform's `plans.Mode`).
public enum OperationMode: Sendable, Codable, Equatable {
    /// Bring what is deployed to the configuration.
    case apply
    /// Return resources that record releases to release `to` (a version label or number);
    /// `force` crosses a breaking migration.
    case rollback(to: String, force: Bool)

    /// How history and views name it: `apply`, `rollback --to v1`.
    public var operationName: String {
        switch self {
        case .apply: return "apply"
        case .rollback(let v, let force): return "rollback --to \(v)" + (force ? " --force" : "")
        }
    }
}

/// Asked of a resource that records releases, when planning a rollback.
public struct RollbackRequest: Sendable {
    public var address: ResourceAddress
    /// The resource's resolved configuration (as for a plan).
    public var config: [String: Value]
    public var prior: ResourceState
    public var version: String
    public var context: KindContext

    public init(address: ResourceAddress, config: [String: Value], prior: ResourceState, version: String, context: KindContext) {
        self.address = address
        self.config = config
        self.prior = prior
        self.version = version
        self.context = context
    }
}

/// A kind's rollback plan for one resource.
public struct RollbackPlan: Sendable {
    public var response: PlanResponse
    /// The schema version the release ran against, when recorded: the planner refuses to cross
    /// a breaking migration applied since.
    public var schemaVersion: Int?

    public init(response: PlanResponse, schemaVersion: Int?) {
        self.response = response
        self.schemaVersion = schemaVersion
    }
}

/// A kind whose resources record releases that a rollback can return to (Kubernetes workloads).
/// Its `apply` sees `ApplyRequest.mode == .rollback` for the planned change.
public protocol RollbackableKind: ResourceKind {
    /// The releases recorded in state, oldest first, for "recorded: v1, v2" messages.
    func recordedReleases(_ prior: ResourceState) -> [String]
    /// nil when this resource recorded no such release.
    func planRollback(_ request: RollbackRequest) async throws -> RollbackPlan?
}

/// A kind that knows which of its changes old code cannot run against (breaking migrations).
public protocol SchemaGuardKind: ResourceKind {
    /// Human-readable names of breaking changes applied after schema `version`.
    func breakingChanges(after version: Int, prior: ResourceState, context: KindContext) throws -> [String]
}
