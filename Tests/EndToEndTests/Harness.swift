import Foundation
import Testing

/// Runs the built `ogf` binary in a throwaway project folder, as a user would.
struct Project {
    let root: String
    static let binary: String = {
        // Next to the test bundle (the build folder being tested), else the package's debug build.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ogf").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let pkg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return pkg.appendingPathComponent(".build/debug/ogf").path
    }()

    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, text) in files { try write(path, text) }
    }

    func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: root + "/" + path, encoding: .utf8) }

    struct Result {
        var code: Int32
        var out: String
        var err: String
        var all: String { out + err }
    }

    var environment: [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": root, "USER": "e2e"]
    }

    /// Starts ogf; the caller waits or signals.
    func start(_ args: [String], env: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        p.environment = environment.merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }

    @discardableResult
    func run(_ args: String..., env: [String: String] = [:]) throws -> Result {
        try run(args, env: env)
    }

    func run(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let (p, out, err) = try start(args, env: env)
        return finish(p, out, err)
    }

    /// Runs another program (found on PATH) in the project folder, e.g. a pty wrapper around ogf.
    func run(_ argv: [String], viaEnv: Bool) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        p.environment = environment.merging(["TERM": "xterm"]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return finish(p, out, err)
    }

    func finish(_ p: Process, _ out: Pipe, _ err: Pipe) -> Result {
        // Read both pipes concurrently so neither fills up and blocks the child.
        let errData = Locked()
        let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.done { usleep(1000) }
        return Result(code: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: errData.data, as: UTF8.self))
    }

    /// Polls until `condition` holds or `seconds` pass.
    func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

final class Locked: @unchecked Sendable {
    private let lock = NSLock()
    private var _data = Data()
    private var _done = false
    func set(_ d: Data) { lock.lock(); _data = d; _done = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return _done }
    var data: Data { lock.lock(); defer { lock.unlock() }; return _data }
}

/// A small environment of exec resources and gates: no servers needed.
func basicProject(extra: String = "") throws -> Project {
    try Project([
        "environments/e2e.yaml": """
        environment: e2e
        env_file: environments/e2e.env
        include: [plans/app.yaml]
        variables:
          release: "1.0"
        resources:
        \(extra)
        """,
        "environments/e2e.env": "API_TOKEN=tok-0123456789abcdef0123456789abcdef\nAPP_ENV=e2e\n",
        "plans/app.yaml": """
        variables:
          release: dev
        resources:
          gate_env.runtime:
            names: [APP_ENV]
          gate_secret.app:
            names: [API_TOKEN]
          exec.build:
            command: ["sh", "-c", "echo building $0", "${var.release}"]
            triggers: {release: "${var.release}"}
            depends_on: [gate_env.runtime]
          exec.deploy:
            command: ["sh", "-c", "echo deploying with token $1", "x", "${secret.API_TOKEN}"]
            depends_on: [exec.build, gate_secret.app]
        """,
    ])
}
