import Foundation
import OGFTestSupport
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

    /// Starts ogf; the caller waits (`finish`) or signals.
    func start(_ args: [String], env: [String: String] = [:]) throws -> Child {
        try Child(Self.binary, args, environment: environment.merging(env) { $1 }, directory: root)
    }

    @discardableResult
    func run(_ args: String..., env: [String: String] = [:]) async throws -> Result {
        try await run(args, env: env)
    }

    @discardableResult
    func run(_ args: [String], env: [String: String] = [:]) async throws -> Result {
        await finish(try start(args, env: env))
    }

    /// Runs another program (found on PATH) in the project folder, e.g. a pty wrapper around ogf.
    func run(_ argv: [String], viaEnv: Bool) async throws -> Result {
        await finish(try Child(onPath: argv, environment: environment.merging(["TERM": "xterm"]) { $1 }, directory: root))
    }

    /// Waits, suspended, for the child to exit and its output to be read to the end.
    func finish(_ child: Child) async -> Result {
        let r = await child.wait()
        return Result(code: r.code, out: r.outText, err: r.errText)
    }

    /// Polls until `condition` holds or `seconds` pass (suspended in between, not blocking a thread).
    func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        try await poll(seconds, every: 0.02, condition)
    }
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
