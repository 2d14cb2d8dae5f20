import Foundation
import OGFCore
import OGFTestSupport
import Synchronization

/// The loopback HTTP server in Tests/Support/http_fixture.py, started once per test process by
/// the first suite that awaits `ready()` in its init. Its start is awaited (the port file polled
/// with `Task.sleep`): a lazy static that slept until python was up held a thread of the
/// cooperative pool, and every other test that touched it waited in the same `swift_once`.
enum HTTPFixture {
    private static let start = Task<Int, Error> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let portFile = dir.appendingPathComponent("port").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/http_fixture.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, portFile]
        // Not our stdout: a test runner waiting for EOF on it would wait for this server forever.
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var found: Int?
        _ = await poll(attempts: 100, every: 0.05) {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(s) { found = port }
            return found != nil
        }
        guard let found else { throw FixtureError("the HTTP fixture did not start (python3 \(script))") }
        return found
    }
    private static let started = Mutex<Int?>(nil)

    /// Starts it (once) and waits, suspended, until it listens.
    static func ready() async throws {
        let port = try await start.value
        started.withLock { $0 = port }
    }

    static var port: Int {
        guard let port = started.withLock({ $0 }) else { preconditionFailure("await HTTPFixture.ready() in the suite's init first") }
        return port
    }

    static var base: String { "http://127.0.0.1:\(port)" }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func context(_ vars: [String: String] = [:], redact: @escaping @Sendable (String) -> String = { $0 }) -> KindContext {
    KindContext(environment: "test", isProtected: false, projectRoot: FileManager.default.temporaryDirectory.path, variables: vars, redact: redact)
}

func request(_ kind: String, _ config: [String: Value], vars: [String: String] = [:], action: Action = .check,
             redact: @escaping @Sendable (String) -> String = { $0 }, schema: Schema) -> ApplyRequest {
    ApplyRequest(address: ResourceAddress(kind: kind, name: "t"), config: schema.withDefaults(config), prior: nil, action: action,
                 context: context(vars, redact: redact), progress: { _ in })
}

/// A port nothing listens on: bind, read the port, close.
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
            _ = bind(fd, sp, len)
            _ = getsockname(fd, sp, &len)
        }
    }
    let port = Int(UInt16(bigEndian: addr.sin_port))
    close(fd)
    return port
}

/// The example's API stand-in (examples/offgridflow/build/api/server.py, the image the example
/// deploys), run directly on a loopback port: login, a protected endpoint, a rate limiter of 5
/// requests per second, spans to the OTLP receiver from scripts/dev-up.sh (127.0.0.1:14318).
enum APIStandIn {
    static let release = "ogf-kinds-test-\(UInt32.random(in: 0...UInt32.max))"
    /// Its service.name, unique per test run: the trace receiver is shared.
    static let service = "ogf-kinds-test-api-\(UInt32.random(in: 0...UInt32.max))"
    private static let start = Task<Int, Error> {
        let port = closedPort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/offgridflow/build/api/server.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script]
        p.environment = ProcessInfo.processInfo.environment.merging([
            "PORT": String(port), "RELEASE": release, "RATE_LIMIT_RPS": "5", "OTEL_SERVICE_NAME": service,
            "JWT_SECRET": "ogf-kinds-test-jwt-secret-0123456789abcdef", "EXIT_WITH_PARENT": "1",
        ]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        guard await poll(attempts: 200, every: 0.05, { canConnect(port) }) else {
            throw FixtureError("the API stand-in did not start (python3 \(script))")
        }
        return port
    }
    private static let started = Mutex<Int?>(nil)

    /// Starts it (once) and waits, suspended, until it accepts connections.
    static func ready() async throws {
        let port = try await start.value
        started.withLock { $0 = port }
    }

    static var port: Int {
        guard let port = started.withLock({ $0 }) else { preconditionFailure("await APIStandIn.ready() in the suite's init first") }
        return port
    }

    static var base: String { "http://127.0.0.1:\(port)" }
}

func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
