import Foundation
import OGFCore
import OGFHTTP
import OGFRecords
import OGFState

/// Time for the sinks: now, and waiting between attempts. Injected so tests run instantly.
public protocol NotifyClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

public struct SystemNotifyClock: NotifyClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
}

/// What a sink knows when a run starts.
public struct RunStart: Sendable {
    public var environment: String
    public var operation: String
    public var release: String?
    public var startedAt: Date
    public var trace: TraceIDs
    /// Where the report will be (a URL when `records.report_url` is set, else a path).
    public var reportLink: String?

    public init(environment: String, operation: String, release: String?, startedAt: Date, trace: TraceIDs, reportLink: String?) {
        self.environment = environment
        self.operation = operation
        self.release = release
        self.startedAt = startedAt
        self.trace = trace
        self.reportLink = reportLink
    }

    public var isRollback: Bool { operation.hasPrefix("rollback") }
}

/// What a sink knows when a run ends: the record, and the environment's history (for gauges
/// that keep the last time of each outcome, and the rollback count).
public struct RunEnd: Sendable {
    public var record: DeployRecord
    public var history: [HistoryEntry]

    public init(record: DeployRecord, history: [HistoryEntry]) {
        self.record = record
        self.history = history
    }

    /// The notification phases this end is: `succeeded` or `failed`, plus `rolled_back` for a
    /// successful `ogf rollback` or an apply in which a resource rolled itself back.
    public var phases: Set<NotifyPhase> {
        var p: Set<NotifyPhase> = [record.succeeded ? .succeeded : .failed]
        if let rb = record.rollback, record.operation.hasPrefix("rollback") ? record.succeeded : !rb.triggers.isEmpty { p.insert(.rolledBack) }
        return p
    }
}

/// One telemetry destination. Both calls may throw; the notifier retries and reports.
public protocol NotifySink: Sendable {
    var name: String { get }
    func started(_ run: RunStart, _ send: Sender) async throws
    func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws
}

extension NotifySink {
    public func started(_ run: RunStart, _ send: Sender) async throws {}
}
