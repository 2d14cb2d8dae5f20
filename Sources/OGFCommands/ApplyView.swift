import Foundation
import OGFApply
import OGFCore
import OGFPlan

/// Prints apply progress: a line when each resource starts and finishes (with its duration), a
/// "still running" line for long ones, and on a terminal a live status line at the bottom.
final class ApplyView: ApplyHooks, @unchecked Sendable {
    let style: TextStyle
    let live: Bool
    let total: Int
    private let lock = NSLock()
    private var running: [ResourceAddress: Date] = [:]
    private var done = 0

    init(style: TextStyle, live: Bool, total: Int) {
        self.style = style
        self.live = live
        self.total = total
    }

    func handle(_ event: ApplyEvent) {
        lock.lock(); defer { lock.unlock() }
        var line: String
        switch event {
        case .started(let a, let action):
            running[a] = Date()
            line = "\(style.bold(a.description)): \(Self.starting(action))..."
        case .progress(let a, let msg):
            line = "\(style.bold(a.description)): \(msg)"
        case .stillRunning(let a, let elapsed):
            line = "\(style.bold(a.description)): still running (\(DurationText.format(elapsed)) elapsed)"
        case .succeeded(let a, let action, let d, let summary):
            running[a] = nil
            done += 1
            line = "\(style.bold(a.description)): " + style.green("\(Self.finished(action)) after \(DurationText.format(d))") + (summary.map { " (\($0))" } ?? "")
        case .failed(let a, _, let d, let message):
            running[a] = nil
            done += 1
            line = "\(style.bold(a.description)): " + style.red("failed after \(DurationText.format(d)): \(message)")
        case .stopped(let a, _, let d):
            running[a] = nil
            line = "\(style.bold(a.description)): " + style.red("stopped after \(DurationText.format(d)); not recorded, the next plan shows it again")
        case .skipped(let a, let cause):
            line = "\(style.bold(a.description)): " + style.yellow("skipped (depends on \(cause), which failed)")
        case .stopping(let inFlight):
            line = style.yellow("Interrupt received: no new work will start; waiting for \(inFlight.count) in-flight resource\(inFlight.count == 1 ? "" : "s") to finish. Press Ctrl-C again to stop now.")
        }
        if live {
            Terminal.err("\r\u{1B}[K")
            Terminal.out(line + "\n")
            Terminal.err(statusLine())
        } else {
            Terminal.out(line + "\n")
        }
    }

    func statusLine() -> String {
        guard !running.isEmpty else { return "" }
        let names = running.keys.sorted().prefix(3).map(\.description).joined(separator: ", ")
        let more = running.count > 3 ? " +\(running.count - 3)" : ""
        return style.dim("[\(done)/\(total)] running: \(names)\(more)")
    }

    func clear() {
        if live { Terminal.err("\r\u{1B}[K") }
    }

    var inFlight: [ResourceAddress] {
        lock.lock(); defer { lock.unlock() }
        return running.keys.sorted()
    }

    static func starting(_ a: Action) -> String {
        switch a {
        case .create: return "creating"
        case .update: return "updating"
        case .replace: return "replacing"
        case .delete: return "destroying"
        case .check: return "checking"
        case .run: return "running"
        case .noop: return "reading"
        }
    }

    static func finished(_ a: Action) -> String {
        switch a {
        case .create: return "created"
        case .update: return "updated"
        case .replace: return "replaced"
        case .delete: return "destroyed"
        case .check: return "passed"
        case .run: return "ran"
        case .noop: return "read"
        }
    }
}
