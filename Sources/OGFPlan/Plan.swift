import Foundation
import OGFCore

/// One resource's planned change, safe to save and show: sensitive values are redacted.
public struct ResourceChange: Sendable, Codable, Equatable {
    public var address: ResourceAddress
    public var role: ResourceRole
    public var action: Action
    public var reasons: [String]
    /// Recorded attributes before (nil when absent from state).
    public var before: [String: Value]?
    /// Desired attributes (nil for a delete); may hold unknown values.
    public var after: [String: Value]?
    /// Attributes whose change forces replacement.
    public var replacePaths: [String]
    public var plannedOutputs: [String: Value]
    public var dependencies: [ResourceAddress]
    /// Extra lines the kind wants shown (pending migrations, changed files...).
    public var details: [String]
    /// SHA-256 of the canonical redacted `after`: a saved plan is stale if this changes.
    public var afterDigest: String

    public init(address: ResourceAddress, role: ResourceRole, action: Action, reasons: [String], before: [String: Value]?,
                after: [String: Value]?, replacePaths: [String], plannedOutputs: [String: Value], dependencies: [ResourceAddress],
                details: [String]) {
        self.address = address
        self.role = role
        self.action = action
        self.reasons = reasons
        self.before = before
        self.after = after
        self.replacePaths = replacePaths
        self.plannedOutputs = plannedOutputs
        self.dependencies = dependencies
        self.details = details
        self.afterDigest = Self.digest(after)
    }

    public static func digest(_ after: [String: Value]?) -> String {
        ContentHash.sha256(after.map { Value.map($0).canonicalText } ?? "null")
    }

    enum CodingKeys: String, CodingKey {
        case address, role, action, reasons, before, after, replacePaths = "replace_paths"
        case plannedOutputs = "planned_outputs", dependencies, details, afterDigest = "after_digest"
    }
}

/// An execution plan: what `ogf plan` shows and `-out` saves.
public struct Plan: Sendable, Codable {
    public static let formatVersion = 1

    public var formatVersion: Int
    public var ogfVersion: String
    public var environment: String
    public var isProtected: Bool
    public var createdAt: Date
    /// The state the plan was made against; applying it to any other state is refused.
    public var stateLineage: String
    public var stateSerial: Int
    /// SHA-256 of every configuration file read.
    public var inputDigest: String
    public var targets: [String]
    public var refresh: Bool
    /// Every resource in scope, sorted by address, including no-ops.
    public var changes: [ResourceChange]
    /// Warnings found while planning, shown with the plan.
    public var warnings: [Diagnostic]
    /// Kind-scoped command-line options the plan was made with (Kubernetes `--context`):
    /// applying it uses the same.
    public var options: RunOptions = RunOptions()
    /// An apply, or a rollback to a recorded release.
    public var operation: OperationMode = .apply
    /// Set when `--override-policy` let this plan through a closed deploy window.
    public var policyOverride: PolicyOverride?
    /// An automatic rollback's cause: the watch trigger that fired (recorded in history).
    public var trigger: WatchTriggered?
    /// The promotion gate's verdict (`promotion:` of the environment), line by line.
    public var promotion: PromotionReport?

    public init(ogfVersion: String = OGFVersion.current, environment: String, isProtected: Bool, createdAt: Date, stateLineage: String,
                stateSerial: Int, inputDigest: String, targets: [String], refresh: Bool, changes: [ResourceChange], warnings: [Diagnostic]) {
        self.formatVersion = Self.formatVersion
        self.ogfVersion = ogfVersion
        self.environment = environment
        self.isProtected = isProtected
        self.createdAt = createdAt
        self.stateLineage = stateLineage
        self.stateSerial = stateSerial
        self.inputDigest = inputDigest
        self.targets = targets
        self.refresh = refresh
        self.changes = changes.sorted { $0.address < $1.address }
        self.warnings = warnings
    }

    public func change(_ a: ResourceAddress) -> ResourceChange? {
        // Changes are sorted by address: binary search keeps verifying a large plan linear-ish.
        var lo = 0, hi = changes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if changes[mid].address < a { lo = mid + 1 } else { hi = mid }
        }
        return lo < changes.count && changes[lo].address == a ? changes[lo] : nil
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var add = 0, change = 0, destroy = 0, runs = 0, checks = 0

        public init(add: Int = 0, change: Int = 0, destroy: Int = 0, runs: Int = 0, checks: Int = 0) {
            (self.add, self.change, self.destroy, self.runs, self.checks) = (add, change, destroy, runs, checks)
        }

        /// `0 to add, 0 to change, 0 to destroy, 1 to run, 11 checks` (the run count only when there are runs).
        public var text: String {
            "\(add) to add, \(change) to change, \(destroy) to destroy" + (runs > 0 ? ", \(runs) to run" : "") + ", \(checks) check\(checks == 1 ? "" : "s")"
        }

        public var hasChanges: Bool { add + change + destroy > 0 }
    }

    /// Terraform's counting: a replace is one add and one destroy.
    public var summary: Summary {
        var s = Summary()
        for c in changes {
            switch c.action {
            case .create: s.add += 1
            case .update: s.change += 1
            case .replace: s.add += 1; s.destroy += 1
            case .delete: s.destroy += 1
            case .check: s.checks += 1
            case .run: s.runs += 1
            case .noop: break
            }
        }
        return s
    }

    /// The plan's identity, recorded in state history when applied.
    public var hash: String {
        ContentHash.sha256(changes.map { "\($0.address) \($0.action.rawValue) \($0.afterDigest)" }.joined(separator: "\n")
                           + "\n\(stateLineage) \(stateSerial) \(inputDigest)")
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", ogfVersion = "ogf_version", environment, isProtected = "protected"
        case createdAt = "created_at", stateLineage = "state_lineage", stateSerial = "state_serial"
        case inputDigest = "input_digest", targets, refresh, changes, warnings, options, operation, policyOverride = "policy_override", trigger, promotion
    }
}
