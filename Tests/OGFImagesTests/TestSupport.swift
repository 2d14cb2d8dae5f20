import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import OGFTestSupport
import Testing

extension Tag {
    @Tag static var small: Self
    @Tag static var large: Self
}

/// The registries scripts/services/registry.sh starts: 15000 without auth, 15001 with htpasswd.
enum Registries {
    static let open = "127.0.0.1:15000"
    static let auth = "127.0.0.1:15001"
    static let user = "ogf"
    static let password = "ogf-test-password"

    /// Fails (never skips) when the registry does not answer.
    static func require(_ host: String) async throws {
        do {
            let r = try await CurlHTTPClient().send(HTTPRequest(url: "http://\(host)/v2/", timeout: 3))
            #expect(r.status == 200 || r.status == 401, "registry \(host) answered \(r.status)")
        } catch {
            Issue.record("registry \(host) is not reachable (\(error)); start it with scripts/services/registry.sh")
            throw error
        }
    }
}

/// A scratch project folder with a cache of its own.
final class Sandbox: @unchecked Sendable {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "ogf-images-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ rel: String, _ text: String, executable: Bool = false) throws {
        let p = root + "/" + rel
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: p, atomically: false, encoding: .utf8)
        if executable { chmod(p, 0o755) }
    }

    func context(_ vars: [String: String] = [:]) -> KindContext {
        var v = vars
        // Never read the developer's own Docker config in tests.
        if v["DOCKER_CONFIG"] == nil { v["DOCKER_CONFIG"] = root + "/.docker" }
        return KindContext(environment: "test", isProtected: false, projectRoot: root, variables: v)
    }

    /// A repository name no other test uses.
    static func repo(_ host: String = Registries.open, _ prefix: String = "test") -> String {
        "\(host)/ogf-tests/\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Plans and applies one `image` resource the way the engine does, keeping its state.
struct Driver {
    let kind: any ResourceKind
    let sandbox: Sandbox
    var config: [String: Value]
    var vars: [String: String] = [:]
    var prior: ResourceState?

    init(_ kind: any ResourceKind, _ sandbox: Sandbox, _ config: [String: Value], vars: [String: String] = [:]) {
        self.kind = kind
        self.sandbox = sandbox
        self.config = kind.schema.withDefaults(config)
        self.vars = vars
    }

    func plan(refresh: Bool = true) async throws -> PlanResponse {
        let changed = config.keys.filter { prior?.attributes[$0] != config[$0] }.sorted()
        return try await kind.plan(PlanRequest(address: ResourceAddress(kind: kind.name, name: "t"), config: config, prior: prior,
                                               changedFields: prior == nil ? [] : changed, refresh: refresh, context: sandbox.context(vars)))
    }

    mutating func apply(_ action: Action = .create) async throws -> ApplyResponse {
        do {
            let r = try await kind.apply(ApplyRequest(address: ResourceAddress(kind: kind.name, name: "t"), config: config, prior: prior,
                                                      action: action, context: sandbox.context(vars), progress: { _ in }))
            prior = ResourceState(kind: kind.name, attributes: config, outputs: r.outputs, sensitivePaths: [], dependencies: [],
                                  appliedAt: Date(), ogfVersion: "test", durationMs: nil)
            return r
        } catch let f as ResourceFailure {
            prior = ResourceState(kind: kind.name, attributes: config, outputs: f.outputs, sensitivePaths: [], dependencies: [],
                                  appliedAt: Date(), ogfVersion: "test", durationMs: nil, status: .tainted)
            throw f
        }
    }
}

/// Runs an independent client (skopeo, umoci) and returns its stdout; fails on a non-zero exit.
/// Awaited through `Child` (OGFImages' CommandRunner waits on a Dispatch global-queue thread,
/// which on Linux is a thread of the same pool the tests run on).
@discardableResult
func run(_ argv: [String]) async throws -> String {
    let exe = argv[0].hasPrefix("/") ? argv[0] : ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + argv[0] }
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? argv[0]
    let r = try await Child.run(exe, Array(argv.dropFirst()))
    let (status, out, err) = (r.code, r.out, r.err)
    let text = String(decoding: out, as: UTF8.self)
    if status != 0 {
        Issue.record("\(argv.joined(separator: " ")) exited \(status): \(String(decoding: err, as: UTF8.self))")
        throw ImageError("\(argv[0]) failed")
    }
    return text
}

/// A proxy (Tests/Support/registry-proxy/proxy.py) in front of the open registry.
final class RegistryProxy: @unchecked Sendable {
    let process = Process()
    let port: Int
    let errors = Pipe()

    init(_ args: [String]) async throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let script = here.appendingPathComponent("Support/registry-proxy/proxy.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "15000"] + args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        // Its first line is the port; read on a thread of its own, not on the cooperative pool.
        let handle = out.fileHandleForReading
        let line = try await offPool {
            var line = Data()
            while true {
                let b = handle.readData(ofLength: 1)
                if b.isEmpty || b == Data([10]) { break }
                line += b
            }
            return line
        }
        guard let p = Int(String(decoding: line, as: UTF8.self)) else { throw ImageError("proxy did not start") }
        port = p
    }

    var host: String { "127.0.0.1:\(port)" }

    /// Kills it and answers what it logged (its stderr, read to the end off the pool).
    func stop() async -> String {
        kill(process.processIdentifier, SIGKILL)
        let handle = errors.fileHandleForReading
        let log = (try? await offPool { handle.readDataToEndOfFile() }) ?? Data()
        return String(decoding: log, as: UTF8.self)
    }
}

func imageConfig(_ repo: String, _ extra: [String: Value] = [:]) -> [String: Value] {
    var c: [String: Value] = [
        "repository": .string(repo),
        "layers": [["from": "build/api", "to": "/app"]],
        "entrypoint": ["/app/api"],
        "env": ["PORT": "8080"],
        "ports": ["8080"],
    ]
    for (k, v) in extra { c[k] = v }
    return c
}
