import Foundation
import OGFCore
import OGFHTTP
import OGFObservability
import OGFTestSupport
import Testing

/// The Prometheus scripts/services/prometheus.sh starts (127.0.0.1:19090, 1 s scrapes). Tests
/// never skip when it is down: asking it fails and so does the test.
enum PrometheusServer {
    static let url = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_PROMETHEUS_PORT"] ?? "19090")"
    static var client: PrometheusClient { PrometheusClient(baseURL: url, http: CurlHTTPClient()) }

    /// The folder its `file_sd_configs` job reads, from its own configuration (so the tests
    /// follow whichever checkout started it).
    static func targetsDirectory() async throws -> String {
        let r = try await CurlHTTPClient().send(HTTPRequest(url: url + "/api/v1/status/config", timeout: 5))
        let root = try JSONSerialization.jsonObject(with: r.body) as? [String: Any]
        let yaml = ((root?["data"] as? [String: Any])?["yaml"] as? String) ?? ""
        guard let line = yaml.split(separator: "\n").first(where: { $0.hasSuffix("*.json") }) else {
            throw EmulatorError(description: "Prometheus at \(url) has no file_sd_configs job reading *.json (start it with scripts/services/prometheus.sh)")
        }
        let path = line.trimmingCharacters(in: .whitespaces).drop { $0 == "-" || $0 == " " }
        return (String(path) as NSString).deletingLastPathComponent
    }
}

/// Tests/Support/metrics_fixture.py on an ephemeral loopback port, scraped by the shared
/// Prometheus through a target file with a name (and a `fixture` label) unique to one test.
final class MetricsFixture: @unchecked Sendable {
    let dir: String
    let port: Int
    let pid: Int32
    /// The `fixture` label Prometheus puts on this fixture's series.
    let name: String
    private(set) var targetFile: String?

    init(versions: [String] = ["v1"]) async throws {
        name = "ogf_watch_\(UUID().uuidString.prefix(8).lowercased())"
        dir = NSTemporaryDirectory() + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/metrics_fixture.py").path
        let args = (["python3", script, dir + "/port"] + versions).map { "'\($0)'" }.joined(separator: " ")
        let parent = ProcessInfo.processInfo.processIdentifier
        let sh = "\(args) & child=$!; echo $child > '\(dir)/pid'; while kill -0 \(parent) 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; kill -9 $child 2>/dev/null"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", sh]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let dir = self.dir
        var found: Int?
        _ = await poll(attempts: 200, every: 0.05) {
            if let s = try? String(contentsOfFile: dir + "/port", encoding: .utf8), let n = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = n
            }
            return found != nil
        }
        guard let found, let pidText = try? String(contentsOfFile: dir + "/pid", encoding: .utf8),
              let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmulatorError(description: "the metrics fixture did not start (python3 \(script))")
        }
        port = found
        self.pid = pid
    }

    deinit {
        if let targetFile { try? FileManager.default.removeItem(atPath: targetFile) }
        kill(pid, SIGKILL)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// `sum(rate(...code="500"...)) / sum(rate(...))` over this fixture's series.
    func errorRateQuery(version: String? = nil) -> String {
        let v = version.map { ",version=\"\($0)\"" } ?? ""
        return "sum(rate(http_requests_total{fixture=\"\(name)\",code=\"500\"\(v)}[4s])) / sum(rate(http_requests_total{fixture=\"\(name)\"\(v)}[4s]))"
    }

    func control(_ query: String) async throws {
        let r = try await CurlHTTPClient().send(HTTPRequest(method: "POST", url: base + "/control?" + query, timeout: 5))
        #expect(r.status == 200)
    }

    /// Adds this fixture as a scrape target and waits until Prometheus has enough samples for
    /// a rate (Prometheus re-reads target files every second).
    func register() async throws {
        let dir = try await PrometheusServer.targetsDirectory()
        let file = dir + "/\(name).json"
        let tmp = dir + "/.\(name).tmp"
        try "[{\"targets\": [\"127.0.0.1:\(port)\"], \"labels\": {\"fixture\": \"\(name)\"}}]\n".write(toFile: tmp, atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: tmp, toPath: file)
        targetFile = file
        for _ in 0..<150 {
            if case .value = try await PrometheusServer.client.query("count_over_time(up{fixture=\"\(name)\"}[10s]) >= 3").singleValue { return }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw EmulatorError(description: "Prometheus at \(PrometheusServer.url) did not scrape the fixture \(name) within 30s")
    }

    /// Waits until the fixture's error rate as Prometheus computes it satisfies `condition`.
    func waitForErrorRate(version: String? = nil, _ condition: (Double) -> Bool) async throws -> Double {
        var last: MetricReading = .inconclusive("not asked")
        for _ in 0..<100 {
            last = try await PrometheusServer.client.query(errorRateQuery(version: version)).singleValue
            if let v = last.value, condition(v) { return v }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw EmulatorError(description: "the error rate never got there: \(last)")
    }
}
