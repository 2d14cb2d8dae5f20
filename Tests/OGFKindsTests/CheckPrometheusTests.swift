import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKinds
import OGFObservability
import Testing

/// `check_prometheus` against the shared Prometheus (scripts/services/prometheus.sh), which is
/// told to scrape itself under a label unique to this test through a target file.
@Suite
struct CheckPrometheusTests {
    static let url = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_PROMETHEUS_PORT"] ?? "19090")"

    func config(_ fields: [String: Value]) -> [String: Value] {
        CheckPrometheusKind(http: CurlHTTPClient()).schema.withDefaults(fields.merging(["url": .string(Self.url), "retries": .int(0)]) { a, _ in a })
    }

    func apply(_ config: [String: Value]) async throws -> ApplyResponse {
        try await CheckPrometheusKind(http: CurlHTTPClient()).apply(ApplyRequest(
            address: ResourceAddress(kind: "check_prometheus", name: "observability"), config: config, prior: nil, action: .check,
            context: context(), progress: { _ in }))
    }

    /// Adds Prometheus itself as a target labelled `fixture: NAME`; removed by the caller.
    func registerSelf() async throws -> (name: String, file: String) {
        let r = try await CurlHTTPClient().send(HTTPRequest(url: Self.url + "/api/v1/status/config", timeout: 5))
        let yaml = (((try JSONSerialization.jsonObject(with: r.body) as? [String: Any])?["data"] as? [String: Any])?["yaml"] as? String) ?? ""
        let line = try #require(yaml.split(separator: "\n").first { $0.hasSuffix("*.json") }, "Prometheus has no file_sd job")
        let dir = (String(line.trimmingCharacters(in: .whitespaces).drop { $0 == "-" || $0 == " " }) as NSString).deletingLastPathComponent
        let name = "ogf_checkprom_\(UUID().uuidString.prefix(8).lowercased())"
        let file = dir + "/\(name).json"
        let host = Self.url.replacingOccurrences(of: "http://", with: "")
        try "[{\"targets\": [\"\(host)\"], \"labels\": {\"fixture\": \"\(name)\"}}]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let client = PrometheusClient(baseURL: Self.url, http: CurlHTTPClient())
        for _ in 0..<150 {
            if try await client.query("up{fixture=\"\(name)\"} == 1").series.count == 1 { return (name, file) }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw ResourceFailure("Prometheus did not scrape \(name) within 30s")
    }

    @Test func readyAndEnoughSeriesPass() async throws {
        let (name, file) = try await registerSelf()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await apply(config(["query": .string("up{fixture=\"\(name)\"} == 1"), "min_series": .int(1)]))
        #expect(r.outputs["series"] == .int(1))
        do {
            _ = try await apply(config(["query": .string("up{fixture=\"\(name)\"} == 1"), "min_series": .int(3)]))
            Issue.record("1 series passed min_series 3")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("1 series, fewer than min_series 3"), "\(f.message)")
        }
    }

    @Test func anEmptyResultOrAnUnreachablePrometheusFails() async throws {
        do {
            _ = try await apply(config(["query": "up{job=\"ogf-no-such-job\"} == 1"]))
            Issue.record("an empty result passed")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("no series (empty result)"), "\(f.message)")
        }
        do {
            _ = try await CheckPrometheusKind(http: CurlHTTPClient()).apply(ApplyRequest(
                address: ResourceAddress(kind: "check_prometheus", name: "o"),
                config: CheckPrometheusKind(http: CurlHTTPClient()).schema.withDefaults(["url": "http://127.0.0.1:9", "query": "up", "retries": .int(0)]),
                prior: nil, action: .check, context: context(), progress: { _ in }))
            Issue.record("an unreachable Prometheus passed")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("is not ready"), "\(f.message)")
        }
    }

    @Test func invalidPromQLIsAPlanError() async throws {
        let kind = CheckPrometheusKind(http: CurlHTTPClient())
        do {
            _ = try await kind.plan(PlanRequest(address: ResourceAddress(kind: "check_prometheus", name: "o"), config: config(["query": "up{"]),
                                                prior: nil, changedFields: [], refresh: true, context: context()))
            Issue.record("invalid PromQL planned")
        } catch let d as Diagnostic {
            #expect(d.field == "query")
            #expect(d.summary.contains("bad_data"), "\(d.summary)")
        }
    }
}
