import Foundation
import OGFCore
import OGFState

/// What one apply or rollback did, kept for its report: who, where, what changed per resource,
/// each check's evidence, overrides, timings and telemetry warnings. Built once at the end of a
/// run (`DeployRecordBuilder`), saved as JSON beside state, rendered as Markdown, HTML or JSON.
/// Holds no secret: evidence is taken from state outputs with sensitive values masked.
public struct DeployRecord: Sendable, Codable, Equatable {
    public static let formatVersion = 1

    public var formatVersion: Int = DeployRecord.formatVersion
    /// The history entry's id: `ogf report ENV RUN`.
    public var run: Int
    public var environment: String
    /// `apply`, or `rollback to v1`.
    public var operation: String
    /// The release label: `var.release` when the environment has one, else the releases made.
    public var release: String?
    /// `succeeded`, `failed` or `interrupted`.
    public var outcome: String
    public var user: String
    public var host: String
    public var ogfVersion: String
    public var startedAt: Date
    public var finishedAt: Date
    public var planHash: String
    /// `Plan: 1 to add, 2 to change, 0 to destroy, 5 checks.`
    public var planSummary: String
    public var policyOverride: OverrideRecord?
    /// Set for rollbacks: the release returned to; and resources whose own rollback fired.
    public var rollback: RollbackRecord?
    public var resources: [ResourceRecord]
    public var releases: [ReleaseRecord]
    /// Telemetry sinks that failed (never a failed deploy), and other notes.
    public var warnings: [String]
    /// The OpenTelemetry trace id of the run, when spans were exported.
    public var traceID: String?

    public init(run: Int, environment: String, operation: String, release: String?, outcome: String, user: String, host: String,
                ogfVersion: String, startedAt: Date, finishedAt: Date, planHash: String, planSummary: String,
                policyOverride: OverrideRecord? = nil, rollback: RollbackRecord? = nil, resources: [ResourceRecord],
                releases: [ReleaseRecord] = [], warnings: [String] = [], traceID: String? = nil) {
        self.run = run
        self.environment = environment
        self.operation = operation
        self.release = release
        self.outcome = outcome
        self.user = user
        self.host = host
        self.ogfVersion = ogfVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.planHash = planHash
        self.planSummary = planSummary
        self.policyOverride = policyOverride
        self.rollback = rollback
        self.resources = resources
        self.releases = releases
        self.warnings = warnings
        self.traceID = traceID
    }

    public var duration: Double { finishedAt.timeIntervalSince(startedAt) }
    public var succeeded: Bool { outcome == "succeeded" }
    public var failedResources: [ResourceRecord] { resources.filter { $0.outcome == .failed } }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", run, environment, operation, release, outcome, user, host, ogfVersion = "ogf_version"
        case startedAt = "started_at", finishedAt = "finished_at", planHash = "plan_hash", planSummary = "plan_summary"
        case policyOverride = "policy_override", rollback, resources, releases, warnings, traceID = "trace_id"
    }
}

/// `--override-policy REASON` as the report shows it.
public struct OverrideRecord: Sendable, Codable, Equatable {
    public var reason: String
    public var user: String
    public var host: String
    public var at: Date
    public var blocked: String

    public init(reason: String, user: String, host: String, at: Date, blocked: String) {
        self.reason = reason
        self.user = user
        self.host = host
        self.at = at
        self.blocked = blocked
    }
}

/// A rollback: the operation's target, and automatic rollbacks resources performed (with why).
public struct RollbackRecord: Sendable, Codable, Equatable {
    /// The release a `ogf rollback --to` returned to; nil for automatic rollbacks only.
    public var to: String?
    /// `k8s_manifest.api: rolled back to release 3 after: …` for each automatic rollback.
    public var triggers: [String]

    public init(to: String?, triggers: [String]) {
        self.to = to
        self.triggers = triggers
    }
}

/// How one resource ended in a run.
public enum ResourceOutcome: String, Sendable, Codable, Equatable {
    case succeeded, failed, skipped, stopped
    case notStarted = "not_started"
}

/// One resource of a run: its action, outcome, timing, what changed, and its evidence.
public struct ResourceRecord: Sendable, Codable, Equatable {
    public var address: String
    public var kind: String
    /// The plan's action: create, update, replace, delete, check, run.
    public var action: String
    public var outcome: ResourceOutcome
    /// Seconds from the run's start; nil when it never started.
    public var start: Double?
    public var duration: Double?
    /// The failure message, or why it was skipped.
    public var message: String?
    /// The kind's one-line summary: `3 objects applied, 2 rolled out`.
    public var summary: String?
    /// On the chain of resources that decided the run's duration.
    public var critical: Bool
    public var dependsOn: [String]
    /// Attribute changes from the plan: `path: before → after` (sensitive values masked).
    public var changes: [String]
    /// Outputs as evidence: digests, schema versions, migrations run, backup path and checksum,
    /// latencies, hit rates, measurements. Sensitive values are `(sensitive)`.
    public var evidence: [String: Value]

    public init(address: String, kind: String, action: String, outcome: ResourceOutcome, start: Double? = nil, duration: Double? = nil,
                message: String? = nil, summary: String? = nil, critical: Bool = false, dependsOn: [String] = [], changes: [String] = [],
                evidence: [String: Value] = [:]) {
        self.address = address
        self.kind = kind
        self.action = action
        self.outcome = outcome
        self.start = start
        self.duration = duration
        self.message = message
        self.summary = summary
        self.critical = critical
        self.dependsOn = dependsOn
        self.changes = changes
        self.evidence = evidence
    }

    /// Gates and checks (`<=` in plans): their evidence is what the report calls verification.
    public var isCheck: Bool { action == "check" }

    enum CodingKeys: String, CodingKey {
        case address, kind, action, outcome, start, duration, message, summary, critical, dependsOn = "depends_on", changes, evidence
    }
}
