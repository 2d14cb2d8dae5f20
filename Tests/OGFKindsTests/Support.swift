import Foundation
import OGFCore

/// The loopback HTTP server in Tests/Support/http_fixture.py, started once per test process.
enum HTTPFixture {
    static let port: Int = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-http-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let portFile = dir.appendingPathComponent("port").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/http_fixture.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, portFile]
        // Not our stdout: a test runner waiting for EOF on it would wait for this server forever.
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try! p.run()
        for _ in 0..<100 {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(s) { return port }
            usleep(50_000)
        }
        fatalError("the HTTP fixture did not start (python3 \(script))")
    }()

    static var base: String { "http://127.0.0.1:\(port)" }
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
