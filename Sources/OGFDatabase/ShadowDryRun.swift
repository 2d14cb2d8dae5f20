import Foundation
import Synchronization

/// The result of running pending migrations on a throwaway copy of the schema.
public enum ShadowResult: Sendable {
    case passed(count: Int, milliseconds: Int)
    case failed(MigrationFailure, passedBefore: Int)
    /// No shadow database could be made; the reason says why.
    case unavailable(String)
}

/// Plan-time dry run: copies the current schema (pg_dump --schema-only) into a throwaway
/// database on the same server, runs the pending migrations there and drops it. The real
/// database is only read by pg_dump: no locks on its tables beyond pg_dump's ACCESS SHARE.
public struct ShadowDryRun: Sendable {
    public var tools: PostgresTools
    public var migrator: Migrator
    public var connect: @Sendable (String) async throws -> PostgresConnection

    public init(tools: PostgresTools, migrator: Migrator, connect: @escaping @Sendable (String) async throws -> PostgresConnection) {
        self.tools = tools
        self.migrator = migrator
        self.connect = connect
    }

    /// `admin` is a connection to the real database, used only for CREATE / DROP DATABASE. `beforeEach` runs on
    /// the shadow's connection thread just before each migration, with the schema as it stands then (the lint
    /// reads the catalog there).
    public func run(_ pending: [MigrationFile], url: DatabaseURL, admin: PostgresConnection,
                    beforeEach: @escaping @Sendable (MigrationFile, PostgresConnection) -> Void = { _, _ in }) async -> ShadowResult {
        let name = "ogf_shadow_\(UInt32.random(in: 0...UInt32.max))"
        do {
            try await admin.run { try $0.execute("CREATE DATABASE \(PostgresConnection.quoteIdentifier(name)) TEMPLATE template0") }
        } catch {
            let hint = (error as? PostgresError)?.sqlState == "42501" ? " (the role needs CREATEDB)" : ""
            return .unavailable("could not create a throwaway database on the server: \(DatabaseURL.mask("\(error)", password: url.password))\(hint)")
        }
        let result = await dryRun(pending, url: url, name: name, beforeEach: beforeEach)
        await admin.cleanUp { _ = try? $0.execute("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)") }
        return result
    }

    /// Everything after CREATE DATABASE, so that the caller drops the database on every path.
    func dryRun(_ pending: [MigrationFile], url: DatabaseURL, name: String,
                beforeEach: @escaping @Sendable (MigrationFile, PostgresConnection) -> Void) async -> ShadowResult {
        let dumpFile = NSTemporaryDirectory() + "\(name).sql"
        defer { try? FileManager.default.removeItem(atPath: dumpFile) }
        do {
            try await tools.dumpSchema(url, to: dumpFile)
        } catch {
            return .unavailable("could not copy the schema with pg_dump --schema-only: \(error)")
        }
        let shadow: PostgresConnection
        do {
            shadow = try await connect(url.with(database: name))
            // Recent pg_dump releases wrap plain dumps in psql meta-commands (\restrict KEY); a
            // schema-only dump has no COPY data, so dropping backslash lines is safe.
            let schema = try String(contentsOfFile: dumpFile, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("\\") }.joined(separator: "\n")
            try await shadow.run { c in
                try c.execute(schema)
                // The dump empties search_path and sets other session options; start the migrations clean.
                try c.execute("RESET ALL")
            }
        } catch {
            return .unavailable("could not load the current schema into the shadow database: \(DatabaseURL.mask("\(error)", password: url.password))")
        }
        let start = Date()
        let passed = Mutex(0)
        let migrator = self.migrator
        do {
            try await shadow.run { c in
                for m in pending {
                    beforeEach(m, c)
                    try migrator.run(m, on: c, recordHistory: false)
                    passed.withLock { $0 += 1 }
                }
            }
        } catch let f as MigrationFailure {
            return .failed(f, passedBefore: passed.withLock { $0 })
        } catch {
            return .unavailable("the shadow run stopped: \(DatabaseURL.mask("\(error)", password: url.password))")
        }
        return .passed(count: passed.withLock { $0 }, milliseconds: Int(Date().timeIntervalSince(start) * 1000))
    }
}
