import Foundation
import OGFCore
import OGFHTTP
import OGFRecords
import OGFState

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
