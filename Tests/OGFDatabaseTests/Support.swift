import Foundation
import OGFCore
import OGFSupport
import OGFTestSupport
@testable import OGFDatabase

/// The loopback servers scripts/dev-up.sh starts (scripts/services/postgres.sh, redis.sh).
/// Tests never skip when they are down: connecting fails and so does the test.
enum Servers {
    static let pgPort = Int(ProcessInfo.processInfo.environment["OGF_PG_PORT"] ?? "") ?? 55432
    static let redisPort = Int(ProcessInfo.processInfo.environment["OGF_REDIS_PORT"] ?? "") ?? 56379
    static let pgAdminURL = "postgres://postgres:ogf-local-pg-admin@127.0.0.1:\(pgPort)/postgres"
    static let pgPassword = "ogf-local-pg-pass"
    static let redisPassword = "ogf-local-redis-pass"
    static let redisURL = "redis://default:\(redisPassword)@127.0.0.1:\(redisPort)"

    static func url(_ db: String, password: String = pgPassword) -> String {
        "postgres://ogf:\(password)@127.0.0.1:\(pgPort)/\(db)"
    }

    /// A new, empty database owned by the app role; dropped with `drop`.
    static func freshDatabase(_ tag: String) throws -> String {
        let name = "ogf_test_\(tag)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: pgAdminURL, applicationName: "ogf tests")
        try admin.execute("CREATE DATABASE \(name) OWNER ogf TEMPLATE template0")
        return name
    }

    static func drop(_ name: String) {
        guard let admin = try? PostgresConnection(url: pgAdminURL, applicationName: "ogf tests") else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    static func connect(_ db: String) throws -> PostgresConnection {
        try PostgresConnection(url: url(db), applicationName: "ogf tests")
    }
}

/// A throwaway project folder with a migrations folder in it.
struct Project {
    let root: String
    let folder = "db/migrations"

    init() throws {
        root = NSTemporaryDirectory() + "ogf-db-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/db/migrations", withIntermediateDirectories: true)
    }

    func write(_ name: String, _ sql: String) throws {
        try sql.write(toFile: "\(root)/\(folder)/\(name)", atomically: true, encoding: .utf8)
    }

    /// Writes environments/NAME.yaml.
    func environment(_ name: String, _ yaml: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/environments", withIntermediateDirectories: true)
        try yaml.write(toFile: "\(root)/environments/\(name).yaml", atomically: true, encoding: .utf8)
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: "\(root)/\(folder)/\(name)") }

    func context(protected: Bool = false, environment: String = "test") -> KindContext {
        var vars = ProcessInfo.processInfo.environment
        vars["USER"] = "tester"
        return KindContext(environment: environment, isProtected: protected, projectRoot: root, variables: vars)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}

extension ResourceKind {
    func plan(_ config: [String: Value], _ ctx: KindContext, prior: ResourceState? = nil) async throws -> PlanResponse {
        let full = schema.withDefaults(config)
        return try await plan(PlanRequest(address: ResourceAddress(kind: name, name: "t"), config: full, prior: prior, changedFields: [], refresh: true, context: ctx))
    }

    func apply(_ config: [String: Value], _ ctx: KindContext, action: Action = .create, prior: ResourceState? = nil) async throws -> ApplyResponse {
        let full = schema.withDefaults(config)
        return try await apply(ApplyRequest(address: ResourceAddress(kind: name, name: "t"), config: full, prior: prior, action: action, context: ctx, progress: { _ in }))
    }

    /// Applies and returns the failure message, or nil when it succeeded.
    func applyFailure(_ config: [String: Value], _ ctx: KindContext) async -> ResourceFailure? {
        do {
            _ = try await apply(config, ctx)
            return nil
        } catch let f as ResourceFailure {
            return f
        } catch {
            return ResourceFailure("unexpected error: \(error)")
        }
    }
}

func okState(_ kind: String, outputs: [String: Value] = [:]) -> ResourceState {
    ResourceState(kind: kind, attributes: [:], outputs: outputs, sensitivePaths: [], dependencies: [], appliedAt: Date(), ogfVersion: "test", durationMs: 1)
}

/// The ogf binary `swift build` made (scripts/test.sh builds it with --build-tests).
enum OGFBinary {
    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    static var path: String { packageRoot + "/.build/debug/ogf" }

    /// Runs it to the end; returns the exit status and stdout + stderr. Awaited: the test's
    /// thread goes back to the cooperative pool while ogf runs.
    static func run(_ args: [String], _ env: [String: String]) async throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: path) else { return (-1, "build ogf first (swift build): \(path) is missing") }
        let r = try await Child.run(path, args, environment: env, output: .merged, stdin: FileHandle.standardInput)
        return (r.code, r.outText)
    }
}
