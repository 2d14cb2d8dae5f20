import Foundation
import OGFCore
import OGFHTTP
import OGFRecords

/// Grafana annotations (HTTP API, `POST /api/annotations`, `PATCH /api/annotations/:id`): a
/// region from the start of a run to its end, tagged `ogf`, the environment, the release and the
/// outcome, so deploys show on dashboards. A rollback is a run of its own, so it gets its own.
public final class GrafanaSink: NotifySink, Sendable {
    public let name = "grafana"
    let config: NotifyConfig.Grafana
    private let annotationID = Locked<Int?>(nil)

    public init(config: NotifyConfig.Grafana) { self.config = config }

    func url(_ path: String) -> String {
        (config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url) + path
    }

    var headers: [(String, String)] {
        [("Authorization", "Bearer \(config.token.value)"), ("Content-Type", "application/json"), ("Accept", "application/json")]
    }

    func tags(_ run: RunStart, outcome: String? = nil) -> [String] {
        var t = ["ogf", run.environment] + (run.release.map { [$0] } ?? []) + (run.isRollback ? ["rollback"] : []) + config.tags
        if let outcome { t.append(outcome) }
        var seen = Set<String>()
        return t.filter { seen.insert($0).inserted }
    }

    func body(_ run: RunStart, text: String, timeEnd: Date?, outcome: String?) -> Data {
        var m: [String: Value] = ["time": .int(Int(run.startedAt.timeIntervalSince1970 * 1000)), "tags": .list(tags(run, outcome: outcome).map(Value.string)),
                                  "text": .string(text)]
        if let uid = config.dashboardUID { m["dashboardUID"] = .string(uid) }
        if let timeEnd { m["timeEnd"] = .int(Int(timeEnd.timeIntervalSince1970 * 1000)) }
        return Data(Value.map(m).jsonText(pretty: false).utf8)
    }

    public func started(_ run: RunStart, _ send: Sender) async throws {
        let text = "ogf \(run.operation) \(run.environment)" + (run.release.map { " \($0)" } ?? "") + " started"
        let r = try await send.send("POST /api/annotations", HTTPRequest(method: "POST", url: url("/api/annotations"), headers: headers,
                                                                         body: body(run, text: text, timeEnd: nil, outcome: nil)))
        guard let v = try? JSONDecoder().decode(Value.self, from: r.body), let id = v["id"]?.intValue else {
            throw SinkError("POST /api/annotations: the answer has no annotation id", retryable: false)
        }
        annotationID.withLock { $0 = id }
    }

    public func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws {
        let r = end.record
        let text = "ogf \(r.operation) \(r.environment)" + (r.release.map { " \($0)" } ?? "") + ": \(r.outcome) in \(DurationText.format(r.duration))"
            + (r.failedResources.isEmpty ? "" : "; failed: " + r.failedResources.map(\.address).joined(separator: ", "))
        let payload = body(run, text: text, timeEnd: r.finishedAt, outcome: r.outcome)
        if let id = annotationID.withLock({ $0 }) {
            _ = try await send.send("PATCH /api/annotations/\(id)", HTTPRequest(method: "PATCH", url: url("/api/annotations/\(id)"), headers: headers, body: payload))
        } else {
            // The start annotation failed: one region annotation now.
            _ = try await send.send("POST /api/annotations", HTTPRequest(method: "POST", url: url("/api/annotations"), headers: headers, body: payload))
        }
    }
}
