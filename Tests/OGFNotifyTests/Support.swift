import Foundation
import OGFCore
import OGFHTTP
import OGFRecords
import OGFState
@testable import OGFNotify

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Secret values: each must reach only the header or field it is for, never a body, a warning
/// or a report.
enum Canary {
    static let grafanaToken = "glsa_canaryGrafanaToken_7c1d"
    static let slackPath = "/services/T0CANARY/B0CANARY/canarySlackPath5e2"
    static let otlpAuth = "Basic canaryOtlpAuth_41ab"
    static let smtpPassword = "ogf-smtp-secret"
    static let inRecord = "canary-s3cr3t-9f1e2d"
}

/// The loopback servers dev-up starts (scripts/services/*.sh).
enum Servers {
    static let pushgateway = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_PUSHGATEWAY_PORT"] ?? "19091")"
    static let otlp = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_OTLP_PORT"] ?? "14318")"
    static let jaeger = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_JAEGER_PORT"] ?? "16686")"
    static let smtpPort = ProcessInfo.processInfo.environment["OGF_SMTP_PORT"] ?? "17025"
    static let smtpMail = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/ogf-smtp-mail-\(smtpPort)"
}

/// A clock whose sleeps return at once but are recorded (backoff and Retry-After).
final class FakeClock: NotifyClock, @unchecked Sendable {
    private let lock = NSLock()
    private var _sleeps: [Double] = []
    var sleeps: [Double] { lock.lock(); defer { lock.unlock() }; return _sleeps }
    func now() -> Date { Date() }
    func sleep(seconds: Double) async throws {
        lock.withLock { _sleeps.append(seconds) }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// Runs a child process for a test and stops it (by its own pid) when released.
final class Child: @unchecked Sendable {
    let process = Process()

    init(_ argv: [String], output: String = "/dev/null") throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        if output == "/dev/null" {
            // Never createFile on /dev/null: as root that replaces the device with a regular file.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        } else {
            FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = FileHandle(forWritingAtPath: output)
        }
        try process.run()
    }

    /// SIGTERM, then a poll: `waitUntilExit` spins a run loop, which must not happen on the
    /// cooperative pool (nor in a deinit reached from it).
    func stop() {
        guard process.isRunning else { return }
        // SIGKILL: children started through Foundation's Process were seen to outlive SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
    }

    deinit { stop() }
}

func tempDir() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-notify-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func waitFor(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}

func get(_ url: String) async throws -> HTTPResponse {
    try await CurlHTTPClient().send(HTTPRequest(url: url, timeout: 5))
}

func json(_ r: HTTPResponse) throws -> Value { try JSONDecoder().decode(Value.self, from: r.body) }

/// The Grafana and Slack stand-ins (Tests/Support/telemetry-standins.py) on an ephemeral port.
final class Standins: @unchecked Sendable {
    let child: Child
    let port: Int

    init() async throws {
        let portFile = tempDir() + "/port"
        child = try Child(["python3", "Tests/Support/telemetry-standins.py", "0", Canary.grafanaToken, Canary.slackPath, portFile])
        var port = 0
        _ = await waitFor(10) {
            port = Int((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "") ?? 0
            return port > 0
        }
        guard port > 0 else { throw NotifyConfigError("the stand-ins did not start") }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var webhook: String { base + Canary.slackPath }

    func requests() async throws -> [Value] { try json(try await get(base + "/debug/requests")).listValue ?? [] }

    func mode(grafana: String = "ok", slack: String = "ok") async throws {
        _ = try await CurlHTTPClient().send(HTTPRequest(method: "POST", url: base + "/debug/mode", headers: [("Content-Type", "application/json")],
                                                        body: Data("{\"grafana\":\"\(grafana)\",\"slack\":\"\(slack)\"}".utf8)))
    }
}

let start = Date(timeIntervalSince1970: 1_764_480_000)

/// A finished run of three resources, one failed with a secret in its message (masked by the
/// record builder, as the commands do).
func sampleEnd(environment: String, outcome: HistoryOutcome = .failed, operation: String = "apply") -> RunEnd {
    func a(_ s: String) -> ResourceAddress { ResourceAddress(parsing: s)! }
    let now = Date()
    let h = HistoryEntry(id: 3, operation: operation, startedAt: now.addingTimeInterval(-2), finishedAt: now, outcome: outcome, planHash: "planhash",
                         user: "alice", host: "ci-1", succeeded: 2, failed: outcome == .failed ? ["exec.deploy"] : [], skipped: 0)
    let steps: [DeployRecordBuilder.Step] = [
        .init(address: a("gate_env.runtime"), action: "check", outcome: .succeeded, start: 0, duration: 0.2, message: nil, summary: nil, dependsOn: [], changes: []),
        .init(address: a("exec.build"), action: "create", outcome: .succeeded, start: 0.2, duration: 1.0, message: nil, summary: nil,
              dependsOn: [a("gate_env.runtime")], changes: []),
        .init(address: a("exec.deploy"), action: "create", outcome: outcome == .failed ? .failed : .succeeded, start: 1.2, duration: 0.7,
              message: outcome == .failed ? "exit 1: token \(Canary.inRecord) refused" : nil, summary: nil, dependsOn: [a("exec.build")], changes: []),
    ]
    let record = DeployRecordBuilder(redact: { $0.replacingOccurrences(of: Canary.inRecord, with: "****") })
        .build(history: h, environment: environment, release: "v2.0.1", planSummary: "Plan: 2 to add.", steps: steps, outputs: [:],
               rollbackTo: operation.hasPrefix("rollback") ? "v2.0.0" : nil, policyOverride: nil, traceID: nil)
    return RunEnd(record: record, history: [h])
}

func runStart(_ env: String, trace: TraceIDs = .random(), operation: String = "apply") -> RunStart {
    RunStart(environment: env, operation: operation, release: "v2.0.1", startedAt: Date().addingTimeInterval(-2), trace: trace,
             reportLink: "reports/\(env)-3.html")
}
