import OGFCore
import OGFGraph
import OGFState

/// How an apply went, resource by resource.
public struct ApplyReport: Sendable {
    public struct Entry: Sendable {
        public var address: ResourceAddress
        public var action: Action
        public var outcome: WalkOutcome
        public var duration: Double?
        public var message: String?
        public var summary: String?
        /// Seconds from the start of the run to the start of this resource (nil: never started).
        public var start: Double?

        public init(address: ResourceAddress, action: Action, outcome: WalkOutcome, duration: Double? = nil, message: String? = nil, summary: String? = nil,
                    start: Double? = nil) {
            self.start = start
            self.address = address
            self.action = action
            self.outcome = outcome
            self.duration = duration
            self.message = message
            self.summary = summary
        }
    }

    public var entries: [Entry]
    public var interrupted: Bool
    /// Problems outside any one resource: state or history that could not be recorded, variables
    /// that did not resolve. Any of them makes the apply fail.
    public var errors: [Diagnostic]
    /// Watch triggers that fired during the run: what the caller rolls back.
    public var triggers: [WatchTriggered] = []
    /// The run's history entry as recorded at its end (id, times, releases made).
    public var history: HistoryEntry?

    public init(entries: [Entry], interrupted: Bool, errors: [Diagnostic] = []) {
        self.entries = entries
        self.interrupted = interrupted
        self.errors = errors
    }

    public var succeeded: [Entry] { entries.filter { $0.outcome == .succeeded } }
    public var failed: [Entry] { entries.filter { $0.outcome == .failed } }
    /// In flight when a second interrupt stopped it: not finished, not recorded.
    public var stopped: [Entry] { entries.filter { $0.outcome == .stopped } }
    public var skipped: [Entry] { entries.filter { if case .skipped = $0.outcome { return true } else { return false } } }
    public var notStarted: [Entry] { entries.filter { $0.outcome == .notStarted } }

    public var ok: Bool { failed.isEmpty && stopped.isEmpty && skipped.isEmpty && notStarted.isEmpty && !interrupted && errors.isEmpty }

    /// The history outcome this report amounts to.
    public var outcome: HistoryOutcome { ok ? .succeeded : interrupted ? .interrupted : .failed }

    /// `Apply complete: 5 succeeded.` or `Apply failed: 4 succeeded, 1 failed (gate_secret.app), 3 skipped.`
    public var summaryLine: String { summaryLine("Apply") }

    /// The same for an operation named otherwise: `Rollback to v1 complete: 3 succeeded.`
    public func summaryLine(_ name: String) -> String {
        var parts = ["\(succeeded.count) succeeded"]
        if !failed.isEmpty { parts.append("\(failed.count) failed (\(failed.map(\.address.description).joined(separator: ", ")))") }
        if !stopped.isEmpty { parts.append("\(stopped.count) stopped (\(stopped.map(\.address.description).joined(separator: ", ")))") }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped") }
        if !notStarted.isEmpty { parts.append("\(notStarted.count) not started") }
        if !errors.isEmpty { parts.append("\(errors.count) error\(errors.count == 1 ? "" : "s") recording the run") }
        let head = "\(name) " + (ok ? "complete" : interrupted ? "interrupted" : "failed")
        return "\(head): \(parts.joined(separator: ", "))."
    }
}
