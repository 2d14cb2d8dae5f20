import Foundation
import OGFCore
import OGFHTTP
import OGFRecords
import OGFState

/// Prometheus through a Pushgateway: `PUT /metrics/job/<job>/environment/<env>` in the text
/// exposition format (0.0.4). A PUT replaces the whole group, so the gauges that remember the
/// last time of each outcome and the rollback count are computed from state history, not from
/// what the gateway held. No timestamps (the gateway rejects them).
public struct PushgatewaySink: NotifySink {
    public let name = "pushgateway"
    let config: NotifyConfig.Pushgateway

    public init(config: NotifyConfig.Pushgateway) { self.config = config }

    public func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws {
        let base = config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url
        let url = base + "/metrics/" + Self.pair("job", config.job) + "/" + Self.pair("environment", run.environment)
        _ = try await send.send("PUT /metrics/job/\(config.job)", HTTPRequest(method: "PUT", url: url, headers: [("Content-Type", "text/plain; version=0.0.4")],
                                                                             body: Data(Self.exposition(end).utf8)))
    }

    /// `label/value` in the URL path; a value with `/` or other unusual characters goes
    /// base64url-encoded as `label@base64/<value>`, as the Pushgateway documents.
    static func pair(_ label: String, _ v: String) -> String {
        if !v.isEmpty, v.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) { return "\(label)/\(v)" }
        let b = Data(v.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "\(label)@base64/\(b.isEmpty ? "=" : b)"
    }

    /// The metrics of a run, in the text format.
    public static func exposition(_ end: RunEnd) -> String {
        let r = end.record
        var last: [String: Date] = [:]
        for h in end.history where h.outcome != .running {
            let t = h.finishedAt ?? h.startedAt
            if last[h.outcome.rawValue].map({ t > $0 }) ?? true { last[h.outcome.rawValue] = t }
        }
        last[r.outcome] = r.finishedAt
        var counts: [String: Int] = [:]
        for x in r.resources { counts[x.outcome.rawValue, default: 0] += 1 }
        let rollbacks = end.history.filter { $0.operation.hasPrefix("rollback") && $0.id != r.run }.count + (r.operation.hasPrefix("rollback") ? 1 : 0)
        var o = "# HELP ogf_deploy_last_timestamp_seconds When an ogf run of this environment last ended, by outcome.\n"
        o += "# TYPE ogf_deploy_last_timestamp_seconds gauge\n"
        for k in last.keys.sorted() { o += "ogf_deploy_last_timestamp_seconds{outcome=\"\(label(k))\"} \(num(last[k]!.timeIntervalSince1970))\n" }
        o += "# HELP ogf_deploy_duration_seconds How long the last ogf run took.\n# TYPE ogf_deploy_duration_seconds gauge\n"
        o += "ogf_deploy_duration_seconds \(num(r.duration))\n"
        o += "# HELP ogf_deploy_resources Resources of the last run, by outcome.\n# TYPE ogf_deploy_resources gauge\n"
        for k in ["succeeded", "failed", "skipped", "stopped", "not_started"] { o += "ogf_deploy_resources{outcome=\"\(k)\"} \(counts[k] ?? 0)\n" }
        o += "# HELP ogf_release_info The release deployed by the last run (always 1).\n# TYPE ogf_release_info gauge\n"
        o += "ogf_release_info{version=\"\(label(r.release ?? ""))\"} 1\n"
        o += "# HELP ogf_rollbacks_total Rollbacks of this environment recorded in its history.\n# TYPE ogf_rollbacks_total counter\n"
        o += "ogf_rollbacks_total \(rollbacks)\n"
        return o
    }

    static func label(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func num(_ d: Double) -> String {
        let ms = (d * 1000).rounded() / 1000
        return ms == ms.rounded() ? String(Int(ms)) : String(ms)
    }
}
