import Foundation

/// A `watch` trigger fired: the release it watches is unhealthy. Thrown by the watch kind (which
/// never rolls back by itself); the apply reacts by rolling `rollback` back to their last good
/// release through the ordinary rollback plan, records this in history, and fails.
public struct WatchTriggered: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// The watch resource, e.g. `watch.release`.
    public var watch: String
    /// The trigger's name in the configuration: `health`, `error_rate`, `crashes`.
    public var trigger: String
    /// Why it fired, one line: "error rate 0.31 above 0.05 at 12:00:04".
    public var reason: String
    /// The last measurements of that trigger (time, value or inconclusive reason), newest last.
    public var evidence: [String]
    /// The `k8s_manifest` addresses to roll back.
    public var rollback: [String]
    /// What the kind records with the failure (progress, evidence): stays in state beside it.
    public var outputs: [String: Value]

    public init(watch: String, trigger: String, reason: String, evidence: [String], rollback: [String], outputs: [String: Value] = [:]) {
        self.watch = watch
        self.trigger = trigger
        self.reason = reason
        self.evidence = evidence
        self.rollback = rollback
        self.outputs = outputs
    }

    public var description: String { "trigger \(trigger) fired: \(reason)" }

    enum CodingKeys: String, CodingKey { case watch, trigger, reason, evidence, rollback }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        watch = try c.decode(String.self, forKey: .watch)
        trigger = try c.decode(String.self, forKey: .trigger)
        reason = try c.decode(String.self, forKey: .reason)
        evidence = try c.decodeIfPresent([String].self, forKey: .evidence) ?? []
        rollback = try c.decodeIfPresent([String].self, forKey: .rollback) ?? []
        outputs = [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(watch, forKey: .watch)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(reason, forKey: .reason)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(rollback, forKey: .rollback)
    }
}
