import OGFCore
import OGFGraph

/// How an apply went, resource by resource.
public struct ApplyReport: Sendable {
    public struct Entry: Sendable {
        public var address: ResourceAddress
        public var action: Action
        public var outcome: WalkOutcome
        public var duration: Double?
        public var message: String?
        public var summary: String?

        var wasStopped: Bool { message == ApplyReport.stoppedMessage }
    }

    /// The failure message of work a second interrupt stopped.
    public static let stoppedMessage = "interrupted"

    public var entries: [Entry]
    public var interrupted: Bool

    public var succeeded: [Entry] { entries.filter { $0.outcome == .succeeded } }
    public var failed: [Entry] { entries.filter { $0.outcome == .failed && !$0.wasStopped } }
    /// In flight when a second interrupt stopped it: not finished, not recorded.
    public var stopped: [Entry] { entries.filter { $0.outcome == .failed && $0.wasStopped } }
    public var skipped: [Entry] { entries.filter { if case .skipped = $0.outcome { return true } else { return false } } }
    public var notStarted: [Entry] { entries.filter { $0.outcome == .notStarted } }

    public var ok: Bool { failed.isEmpty && stopped.isEmpty && skipped.isEmpty && notStarted.isEmpty && !interrupted }

    /// `Apply complete: 5 succeeded.` or `Apply failed: 4 succeeded, 1 failed (gate_secret.app), 3 skipped.`
    public var summaryLine: String {
        var parts = ["\(succeeded.count) succeeded"]
        if !failed.isEmpty { parts.append("\(failed.count) failed (\(failed.map(\.address.description).joined(separator: ", ")))") }
        if !stopped.isEmpty { parts.append("\(stopped.count) stopped (\(stopped.map(\.address.description).joined(separator: ", ")))") }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped") }
        if !notStarted.isEmpty { parts.append("\(notStarted.count) not started") }
        let head = ok ? "Apply complete" : interrupted ? "Apply interrupted" : "Apply failed"
        return "\(head): \(parts.joined(separator: ", "))."
    }
}
