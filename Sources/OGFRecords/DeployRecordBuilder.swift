import Foundation
import OGFCore
import OGFState

/// Puts a `DeployRecord` together from what a run knows: per-resource outcomes and timings, the
/// plan's changes, the outputs in state (evidence), the history entry. Pure: no I/O.
public struct DeployRecordBuilder: Sendable {
    /// One resource as the run saw it (the engine's report, flattened so this target does not
    /// depend on the applier).
    public struct Step: Sendable {
        public var address: ResourceAddress
        public var action: String
        public var outcome: ResourceOutcome
        public var start: Double?
        public var duration: Double?
        public var message: String?
        public var summary: String?
        public var dependsOn: [ResourceAddress]
        public var changes: [String]

        public init(address: ResourceAddress, action: String, outcome: ResourceOutcome, start: Double?, duration: Double?, message: String?,
                    summary: String?, dependsOn: [ResourceAddress], changes: [String]) {
            self.address = address
            self.action = action
            self.outcome = outcome
            self.start = start
            self.duration = duration
            self.message = message
            self.summary = summary
            self.dependsOn = dependsOn
            self.changes = changes
        }
    }

    /// Output keys too bulky or too internal for a report (the manifests behind a release).
    public static let omittedOutputs: Set<String> = ["manifests", "last_good", "applied", "objects"]
    /// Longer strings are cut, with a note: a report is read, not parsed.
    public static let maxText = 4000

    public var redact: @Sendable (String) -> String

    public init(redact: @escaping @Sendable (String) -> String = { $0 }) {
        self.redact = redact
    }

    public func build(history: HistoryEntry, environment: String, release: String?, planSummary: String, steps: [Step],
                      outputs: [ResourceAddress: [String: Value]], rollbackTo: String?, policyOverride: OverrideRecord?,
                      warnings: [String] = [], traceID: String? = nil) -> DeployRecord {
        let critical = Self.criticalPath(steps)
        var triggers: [String] = []
        let resources = steps.map { s -> ResourceRecord in
            var evidence: [String: Value] = [:]
            for (k, v) in outputs[s.address] ?? [:] where !Self.omittedOutputs.contains(k) {
                evidence[k] = sanitize(v)
            }
            if let to = evidence["rolled_back_to"] {
                triggers.append("\(s.address) rolled back to release \(to.stringValue ?? to.description)" + (s.message.map { " after: \(firstLine(redact($0)))" } ?? ""))
            }
            return ResourceRecord(address: s.address.description, kind: s.address.kind, action: s.action, outcome: s.outcome, start: s.start,
                                  duration: s.duration, message: s.message.map(redact), summary: s.summary.map(redact),
                                  critical: critical.contains(s.address), dependsOn: s.dependsOn.map(\.description).sorted(),
                                  changes: s.changes.map(redact), evidence: evidence)
        }
        let releases = history.releases ?? []
        let label = release ?? (releases.compactMap(\.version).first)
        let rollback: RollbackRecord? = rollbackTo != nil || !triggers.isEmpty ? RollbackRecord(to: rollbackTo, triggers: triggers) : nil
        return DeployRecord(run: history.id, environment: environment, operation: history.operation, release: label,
                            outcome: history.outcome.rawValue, user: history.user, host: history.host, ogfVersion: history.ogfVersion,
                            startedAt: history.startedAt, finishedAt: history.finishedAt ?? history.startedAt, planHash: history.planHash,
                            planSummary: planSummary, policyOverride: policyOverride, rollback: rollback, resources: resources,
                            releases: releases, warnings: warnings.map(redact), traceID: traceID)
    }

    func firstLine(_ s: String) -> String { String(s.split(separator: "\n").first ?? "") }

    /// Masks sensitive values (and known secret text), shortens long strings.
    func sanitize(_ v: Value) -> Value {
        switch v {
        case .sensitive, .redacted: return .string("(sensitive)")
        case .string(let s):
            if s.hasPrefix("hmac-sha256:") { return .string("(sensitive)") }
            let r = redact(s)
            return .string(r.count > Self.maxText ? String(r.prefix(Self.maxText)) + "… (\(r.count) characters)" : r)
        case .list(let xs): return .list(xs.map(sanitize))
        case .map(let m): return .map(m.mapValues(sanitize))
        case .unknown: return .null
        default: return v
        }
    }

    /// The chain that decided the run's length: from the resource that finished last, back
    /// through the dependency that finished last before it started, and so on.
    public static func criticalPath(_ steps: [Step]) -> Set<ResourceAddress> {
        var byAddress: [ResourceAddress: Step] = [:]
        for s in steps { byAddress[s.address] = s }
        func end(_ s: Step) -> Double? { s.start.map { $0 + (s.duration ?? 0) } }
        guard var current = steps.filter({ end($0) != nil }).max(by: { (end($0)!, $1.address) < (end($1)!, $0.address) }) else { return [] }
        var path: Set<ResourceAddress> = [current.address]
        while true {
            let deps = current.dependsOn.compactMap { byAddress[$0] }.filter { end($0) != nil && !path.contains($0.address) }
            guard let next = deps.max(by: { (end($0)!, $1.address) < (end($1)!, $0.address) }) else { break }
            path.insert(next.address)
            current = next
        }
        return path
    }
}
