import Foundation
import OGFCore
import OGFHTTP
import OGFRecords

/// Slack incoming webhook: one message per phase in `on` (started, succeeded, failed,
/// rolled_back) with Block Kit blocks: environment, release, outcome, duration, failed
/// resources, report link; `text` is the notification fallback. A 429 waits for Retry-After.
public struct SlackSink: NotifySink {
    public let name = "slack"
    let config: NotifyConfig.Slack

    public init(config: NotifyConfig.Slack) { self.config = config }

    public func started(_ run: RunStart, _ send: Sender) async throws {
        guard config.on.contains(.started) else { return }
        let title = "ogf \(run.operation) of \(run.environment)" + (run.release.map { " \($0)" } ?? "") + " started"
        let fields: [(String, String)] = [("Environment", run.environment), ("Release", run.release ?? "—"), ("Operation", run.operation)]
        try await post(send, Self.payload(title: title, fields: fields, failed: [], link: run.reportLink))
    }

    public func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws {
        let phases = end.phases
        guard !phases.isDisjoint(with: config.on) else { return }
        let r = end.record
        let what = phases.contains(.rolledBack) && r.operation.hasPrefix("rollback") ? "rolled back" : r.outcome
        let title = "ogf \(r.operation) of \(r.environment)" + (r.release.map { " \($0)" } ?? "") + ": \(what)"
        let fields: [(String, String)] = [("Environment", r.environment), ("Release", r.release ?? "—"), ("Outcome", r.outcome),
                                          ("Duration", DurationText.format(r.duration))]
        let failed = r.failedResources.map { "`\($0.address)`" + ($0.message.map { ": " + String($0.split(separator: "\n").first ?? "").prefix(150) } ?? "") }
        let triggers = r.rollback?.triggers ?? []
        try await post(send, Self.payload(title: title, fields: fields, failed: failed + triggers, link: run.reportLink))
    }

    func post(_ send: Sender, _ body: Value) async throws {
        let r = try await send.send("webhook", HTTPRequest(method: "POST", url: config.webhook.value, headers: [("Content-Type", "application/json")],
                                                           body: Data(body.jsonText(pretty: false).utf8)))
        // Slack answers `ok`; anything else is an error code in plain text.
        guard r.text.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" else {
            throw SinkError("webhook: unexpected answer \(String(r.text.prefix(100)))", retryable: false)
        }
    }

    /// `{text, blocks}`: a header, the fields, failed resources, the report link.
    static func payload(title: String, fields: [(String, String)], failed: [String], link: String?) -> Value {
        var blocks: [Value] = [
            .map(["type": "header", "text": .map(["type": "plain_text", "text": .string(String(title.prefix(150)))])]),
            .map(["type": "section", "fields": .list(fields.map { .map(["type": "mrkdwn", "text": .string("*\($0.0)*\n\(escape($0.1))")]) })]),
        ]
        if !failed.isEmpty {
            blocks.append(.map(["type": "section", "text": .map(["type": "mrkdwn", "text": .string(String(("*Failed*\n" + failed.map { "• " + escape($0) }.joined(separator: "\n")).prefix(2900)))])]))
        }
        if let link {
            blocks.append(.map(["type": "context", "elements": .list([.map(["type": "mrkdwn", "text": .string("Report: \(escape(link))")])])]))
        }
        return .map(["text": .string(title), "blocks": .list(blocks)])
    }

    /// Slack's mrkdwn escapes: &, <, >.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
