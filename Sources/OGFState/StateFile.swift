import Foundation
import OGFCore
import OGFPlan

/// How a recorded operation ended.
public enum HistoryOutcome: String, Sendable, Codable, Equatable {
    /// Recorded when the operation starts; left so by one that never finished (killed, crashed).
    case running
    case succeeded
    case failed
    /// Stopped by Ctrl-C; what finished is recorded.
    case interrupted
}

/// One apply (or rollback) as history remembers it.
public struct HistoryEntry: Sendable, Codable, Equatable {
    public var id: Int
    public var operation: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: HistoryOutcome
    public var planHash: String
    public var user: String
    public var host: String
    public var ogfVersion: String
    public var succeeded: Int
    public var failed: [String]
    public var skipped: Int
    /// The reason and who, when `--override-policy` let this operation through a closed window.
    public var policyOverride: PolicyOverride?
    /// For an automatic rollback: the watch trigger that caused it, with its evidence.
    public var trigger: WatchTriggered?
    /// The releases this operation made (resources that record releases: `k8s_manifest`), so
    /// history answers "what was running when". Nil in entries written before ogf kept it.
    public var releases: [ReleaseRecord]?

    public init(id: Int, operation: String, startedAt: Date, finishedAt: Date? = nil, outcome: HistoryOutcome, planHash: String, user: String,
                host: String, ogfVersion: String = OGFVersion.current, succeeded: Int = 0, failed: [String] = [], skipped: Int = 0) {
        self.id = id
        self.operation = operation
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.planHash = planHash
        self.user = user
        self.host = host
        self.ogfVersion = ogfVersion
        self.succeeded = succeeded
        self.failed = failed
        self.skipped = skipped
    }

    enum CodingKeys: String, CodingKey {
        case id, operation, startedAt = "started_at", finishedAt = "finished_at", outcome, planHash = "plan_hash"
        case user, host, ogfVersion = "ogf_version", succeeded, failed, skipped, policyOverride = "policy_override", trigger, releases
    }
}

/// One release an operation made: a resource that keeps a release log in its outputs
/// (`release`, `releases[]`, as `k8s_manifest` does), with the version label and image digests.
public struct ReleaseRecord: Sendable, Codable, Equatable {
    public var address: String
    public var release: Int
    public var version: String?
    /// Image name → reference with digest, as the resource recorded them.
    public var images: [String: String]

    public init(address: String, release: Int, version: String?, images: [String: String]) {
        self.address = address
        self.release = release
        self.version = version
        self.images = images
    }

    /// The release a resource's outputs record as current, if it keeps a release log.
    public static func from(address: ResourceAddress, outputs: [String: Value]) -> ReleaseRecord? {
        guard let number = outputs["release"]?.intValue, let log = outputs["releases"]?.listValue else { return nil }
        // A rollback restores an older release under a new number without a log entry of its
        // own: then the images are the restored ones and the version is not claimed.
        let entry = log.last { $0["release"]?.intValue == number }
        var images: [String: String] = [:]
        for (k, v) in (entry?["images"]?.mapValue ?? outputs["images"]?.mapValue ?? [:]) {
            if let s = v.unmarked.stringValue { images[k] = s } else { images[k] = v.unmarked.description }
        }
        return ReleaseRecord(address: address.description, release: number, version: entry?["version"]?.stringValue, images: images)
    }
}

/// `state/<ENV>.json`: what ogf knows of a deployed environment. Documented in docs/state-format.md.
public struct StateFile: Sendable, Codable {
    public static let formatVersion = 1

    public var formatVersion: Int
    /// Random id fixed at creation: a plan or journal from another lineage never applies here.
    public var lineage: String
    /// Increments on every write.
    public var serial: Int
    public var environment: String
    public var ogfVersion: String
    /// Salt for hashing secrets (see `SecretHasher`); not itself secret.
    public var secretSalt: String
    public var resources: [ResourceAddress: ResourceState]
    public var history: [HistoryEntry]

    public init(environment: String) {
        formatVersion = Self.formatVersion
        lineage = UUID().uuidString.lowercased()
        serial = 0
        self.environment = environment
        ogfVersion = OGFVersion.current
        secretSalt = Hex.encode(SecretHasher.randomSalt())
        resources = [:]
        history = []
    }

    public var hasher: SecretHasher { SecretHasher(saltHex: secretSalt) }

    public var prior: PriorStateView { PriorStateView(lineage: lineage, serial: serial, salt: secretSalt, resources: resources) }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", lineage, serial, environment, ogfVersion = "ogf_version"
        case secretSalt = "secret_salt", resources, history
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        guard formatVersion == Self.formatVersion else {
            throw StateError.unsupportedFormat(formatVersion)
        }
        lineage = try c.decode(String.self, forKey: .lineage)
        serial = try c.decode(Int.self, forKey: .serial)
        environment = try c.decode(String.self, forKey: .environment)
        ogfVersion = try c.decode(String.self, forKey: .ogfVersion)
        secretSalt = try c.decode(String.self, forKey: .secretSalt)
        let raw = try c.decode([String: ResourceState].self, forKey: .resources)
        var res: [ResourceAddress: ResourceState] = [:]
        for (k, v) in raw {
            guard let a = ResourceAddress(parsing: k) else { throw StateError.corrupt("invalid address \(k)") }
            res[a] = v
        }
        resources = res
        history = try c.decode([HistoryEntry].self, forKey: .history)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(lineage, forKey: .lineage)
        try c.encode(serial, forKey: .serial)
        try c.encode(environment, forKey: .environment)
        try c.encode(ogfVersion, forKey: .ogfVersion)
        try c.encode(secretSalt, forKey: .secretSalt)
        try c.encode(Dictionary(uniqueKeysWithValues: resources.map { ($0.key.description, $0.value) }), forKey: .resources)
        try c.encode(history, forKey: .history)
    }
}

/// The parts of a state file the planner reads.
public struct PriorStateView: Sendable {
    public var lineage: String
    public var serial: Int
    public var salt: String
    public var resources: [ResourceAddress: ResourceState]
}

public enum StateError: Error, CustomStringConvertible {
    case unsupportedFormat(Int)
    case corrupt(String)
    case io(String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let v): return "state format version \(v) is not supported by ogf \(OGFVersion.current) (it reads version \(StateFile.formatVersion)); use the ogf version that wrote it"
        case .corrupt(let s): return "the state file is corrupt: \(s)"
        case .io(let s): return s
        }
    }
}
