import Foundation

/// What the state records about one resource after it was applied.
public struct ResourceState: Sendable, Codable, Equatable {
    public var isReady: Bool { status == .ready }

    public var kind: String
    /// The configuration it was applied with, sensitive values redacted to salted hashes.
    public var attributes: [String: Value]
    /// What applying produced (exit codes, digests, versions), referenced as `${kind.name.output}`.
    public var outputs: [String: Value]
    /// Paths of attributes and outputs that are sensitive; never their values.
    public var sensitivePaths: [String]
    public var dependencies: [ResourceAddress]
    public var appliedAt: Date
    public var ogfVersion: String
    /// How long the last apply took; the walker uses it to start long chains first.
    public var durationMs: Int?
    /// `tainted` when the last apply failed: planned again next time.
    public var status: ResourceStatus
    /// The last failure, while the resource is tainted; outputs above stay the last good ones.
    public var lastFailure: FailureRecord?

    public init(kind: String, attributes: [String: Value], outputs: [String: Value], sensitivePaths: [String],
                dependencies: [ResourceAddress], appliedAt: Date, ogfVersion: String, durationMs: Int?, status: ResourceStatus = .ready,
                lastFailure: FailureRecord? = nil) {
        self.lastFailure = lastFailure
        self.kind = kind
        self.attributes = attributes
        self.outputs = outputs
        self.sensitivePaths = sensitivePaths
        self.dependencies = dependencies
        self.appliedAt = appliedAt
        self.ogfVersion = ogfVersion
        self.durationMs = durationMs
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case kind, attributes, outputs, sensitivePaths = "sensitive_paths", dependencies
        case appliedAt = "applied_at", ogfVersion = "ogf_version", durationMs = "duration_ms", status, lastFailure = "last_failure"
    }
}
