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

/// A sink failure said without secrets: what failed and the server's answer.
public struct SinkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var retryable: Bool
    /// Seconds the server asked to wait (429 Retry-After).
    public var retryAfter: Double?

    public init(_ description: String, retryable: Bool, retryAfter: Double? = nil) {
        self.description = description
        self.retryable = retryable
        self.retryAfter = retryAfter
    }
}

/// Sends one HTTP request with bounded retries and backoff; never puts the URL (which may be
/// a secret, like a Slack webhook) or a header into an error.
public struct Sender: Sendable {
    public var client: any HTTPClient
    public var clock: any NotifyClock
    public var timeout: Double
    public var retries: Int
    /// First backoff; doubles per attempt.
    public var backoff: Double = 0.2
    /// The longest Retry-After honoured.
    public var maxRetryAfter: Double = 5

    public init(client: any HTTPClient, clock: any NotifyClock, timeout: Double, retries: Int) {
        self.client = client
        self.clock = clock
        self.timeout = timeout
        self.retries = retries
    }

    /// Sends and answers a 2xx response, or throws a `SinkError` after the last attempt.
    public func send(_ what: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        request.timeout = timeout
        var attempt = 0
        while true {
            let error: SinkError
            do {
                let r = try await client.send(request)
                if (200..<300).contains(r.status) { return r }
                let body = String(r.text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
                let retryable = r.status == 429 || r.status >= 500
                let after = r.status == 429 ? r.header("Retry-After").flatMap { Double($0) } : nil
                error = SinkError("\(what): HTTP \(r.status)\(body.isEmpty ? "" : " \(body)")", retryable: retryable, retryAfter: after)
            } catch let e as HTTPError {
                error = SinkError("\(what): " + (e.isTimeout ? "timed out after \(DurationText.format(timeout))" : Self.withoutURL(e.message)), retryable: true)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw SinkError("\(what): \(error)", retryable: false)
            }
            attempt += 1
            guard error.retryable, attempt <= retries else {
                throw SinkError(error.description + (attempt > 1 ? " (after \(attempt) attempts)" : ""), retryable: false)
            }
            let wait = error.retryAfter.map { min($0, maxRetryAfter) } ?? backoff * Double(1 << (attempt - 1))
            try await clock.sleep(seconds: wait)
        }
    }

    /// libcurl's messages start with `METHOD URL: `; keep only what follows.
    static func withoutURL(_ message: String) -> String {
        guard let r = message.range(of: ": ") else { return message }
        let head = message[..<r.lowerBound]
        return head.contains("://") ? String(message[r.upperBound...]) : message
    }
}

/// Runs every sink in parallel, off the deploy's critical path: `start` returns at once; `finish`
/// waits for the sinks at most `deadline` and answers one warning per sink that failed.
public final class Notifier: Sendable {
    public let sinks: [any NotifySink]
    public let sender: Sender
    public let deadline: Double
    /// Masks secret values in warnings (a server may echo a token back).
    public let redact: @Sendable (String) -> String
    private let startTasks = Locked<[String: Task<String?, Never>]>([:])
    private let run = Locked<RunStart?>(nil)

    public init(sinks: [any NotifySink], sender: Sender, deadline: Double, redact: @escaping @Sendable (String) -> String = { $0 }) {
        self.sinks = sinks
        self.sender = sender
        self.deadline = deadline
        self.redact = redact
    }

    /// Builds the configured sinks.
    public convenience init(config: NotifyConfig, client: any HTTPClient, clock: any NotifyClock = SystemNotifyClock(),
                            smtp: any MailTransport = CurlMailTransport(), redact: @escaping @Sendable (String) -> String = { $0 }) {
        var sinks: [any NotifySink] = []
        if let g = config.grafana { sinks.append(GrafanaSink(config: g)) }
        if let p = config.pushgateway { sinks.append(PushgatewaySink(config: p)) }
        if let o = config.otlp { sinks.append(OTLPSink(config: o)) }
        if let s = config.slack { sinks.append(SlackSink(config: s)) }
        if let e = config.email { sinks.append(EmailSink(config: e, transport: smtp, timeout: config.timeout)) }
        self.init(sinks: sinks, sender: Sender(client: client, clock: clock, timeout: config.timeout, retries: config.retries),
                  deadline: config.deadline, redact: redact)
    }

    /// Starts each sink's "run started" work in the background.
    public func start(_ run: RunStart) {
        self.run.withLock { $0 = run }
        let sender = self.sender
        startTasks.withLock { tasks in
            for sink in sinks {
                tasks[sink.name] = Task {
                    do {
                        try await sink.started(run, sender)
                        return nil
                    } catch is CancellationError {
                        return "\(sink.name): did not finish in time"
                    } catch {
                        return "\(sink.name): \(error)"
                    }
                }
            }
        }
    }

    /// Runs each sink's "run finished" work in parallel (after its own start work), bounded by
    /// the deadline; answers warnings, sorted by sink.
    public func finish(_ end: RunEnd) async -> [String] {
        guard let run = run.withLock({ $0 }) else { return [] }
        let sender = self.sender
        let starts = startTasks.withLock { $0 }
        let deadline = self.deadline
        let names = sinks.map(\.name)
        let results = Locked<[String: String]>([:])
        await withTaskGroup(of: Bool.self) { group in
            for sink in sinks {
                group.addTask {
                    var problems: [String] = []
                    if let w = await starts[sink.name]?.value { problems.append(w) }
                    do {
                        try await sink.finished(run, end, sender)
                    } catch is CancellationError {
                        problems.append("\(sink.name): did not finish within \(DurationText.format(deadline))")
                    } catch {
                        problems.append("\(sink.name): \(error)")
                    }
                    results.withLock { $0[sink.name] = problems.joined(separator: "; ") }
                    return true
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(deadline * 1000)))
                return false
            }
            // Every sink done (the timer is cancelled), or the timer first (the sinks are).
            var left = sinks.count
            while let isSink = await group.next() {
                if isSink { left -= 1 }
                if !isSink || left == 0 {
                    group.cancelAll()
                    // Awaiting a start task's value does not pass cancellation on: cancel them too.
                    if !isSink { for t in starts.values { t.cancel() } }
                    break
                }
            }
        }
        let got = results.withLock { $0 }
        return names.sorted().compactMap { n in
            guard let r = got[n] else { return redact("\(n): did not finish within \(DurationText.format(deadline)); left behind") }
            return r.isEmpty ? nil : redact(r)
        }
    }
}
