import Foundation
import OGFCore
import OGFSupport
import OGFTestSupport
import Testing
@testable import OGFDatabase

/// A cancelled task (a second Ctrl-C cancels the apply task) must stop blocking database I/O at
/// once and leave the database at its last good version. Against the real servers of
/// scripts/services/postgres.sh and redis.sh.
@Suite(.serialized) struct CancellationTests {
    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    func activity(_ watcher: PostgresConnection, app: String) throws -> [String] {
        try watcher.query("SELECT state || ' ' || query FROM pg_stat_activity WHERE application_name = $1", [app]).rows.compactMap { $0[0] }
    }

    @Test func cancelledQueryStopsOnTheServerAndReturnsPromptly() async throws {
        let db = try Servers.freshDatabase("cancel")
        defer { Servers.drop(db) }
        let app = "ogf cancel test \(UUID().uuidString.prefix(8))"
        let conn = try await PostgresConnection.open(url: Servers.url(db), applicationName: app)
        let watcher = try Servers.connect(db)

        let task = Task { try await conn.run { try $0.query("SELECT pg_sleep(30)") } }
        let running = try await eventually(10) { try activity(watcher, app: app) == ["active SELECT pg_sleep(30)"] }
        try #require(running, "the query never started")
        try await Task.sleep(for: .milliseconds(500))

        let start = Date()
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 3, "took \(elapsed)s to return")
        #expect(throws: CancellationError.self) { try result.get() }
        // Cancelled on the server, not merely abandoned: the session is still there, idle.
        let idle = try await eventually(2) { try activity(watcher, app: app) == ["idle SELECT pg_sleep(30)"] }
        let seen = try activity(watcher, app: app)
        #expect(idle, "\(seen)")
        // A cancelled connection starts nothing more.
        await #expect(throws: CancellationError.self) { try await conn.run { try $0.execute("CREATE TABLE after_cancel (i int)") } }
        #expect(try watcher.query("SELECT to_regclass('after_cancel') IS NULL").firstValue == "t")
    }

    @Test func cancelledMigrationLeavesTheLastGoodVersion() async throws {
        let db = try Servers.freshDatabase("cancelmig")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_ok.up.sql", "CREATE TABLE ok1 (id int);\n")
        try p.write("0002_slow.up.sql", "CREATE TABLE slow (id int);\nINSERT INTO slow SELECT generate_series(1, 1000);\nSELECT pg_sleep(30);\n")
        let kind = PostgresSchemaKind(processes: SpawnProcessRunner())
        let config: [String: Value] = ["url": .sensitive(.string(Servers.url(db))), "migrations": .string(p.folder), "shadow": false]
        let ctx = p.context(environment: "cancelmig")
        let watcher = try Servers.connect(db)
        let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ogf apply cancelmig%' AND state = 'active' AND query LIKE '%pg_sleep(30)%'"

        let task = Task { try await kind.apply(config, ctx) }
        let inside = try await eventually(20) { try watcher.query(sleeping).firstValue == "1" }
        try #require(inside, "the migrator never reached 0002")
        try await Task.sleep(for: .milliseconds(500))

        let start = Date()
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 3, "took \(elapsed)s to return")
        #expect(throws: CancellationError.self) { try result.get() }

        #expect(try watcher.query(sleeping).firstValue == "0")
        // 0001 committed before the cancel; 0002 was rolled back with its history row.
        #expect(try watcher.query("SELECT version FROM ogf_schema_migrations ORDER BY version").rows.map { $0[0] } == ["1"])
        #expect(try watcher.query("SELECT to_regclass('slow') IS NULL").firstValue == "t")
        // The cancelled session is closed, and the migration lock with it.
        let unlocked = try await eventually(3) {
            try watcher.query("SELECT pg_try_advisory_lock(\(Migrator.lockClass), hashtext('ogf_schema_migrations'))").firstValue == "t"
        }
        #expect(unlocked, "the migration lock is still held after the cancelled apply")
        _ = try watcher.query("SELECT pg_advisory_unlock_all()")

        // The next apply finishes the job (0002 fixed first, as an operator would).
        try p.write("0002_slow.up.sql", "CREATE TABLE slow (id int);\nINSERT INTO slow SELECT generate_series(1, 1000);\n")
        let again = try await kind.apply(config, ctx)
        #expect(again.outputs["version"] == 2)
        #expect(again.outputs["previous_version"] == 1)
    }

    /// The user's path: two Ctrl-C during a long migration. The first lets in-flight work
    /// finish; the second cancels it, and ogf must then stop within seconds, not when the
    /// statement ends, with the database at the last good version and the migration unrecorded.
    @Test func secondInterruptStopsARunningMigration() async throws {
        let db = try Servers.freshDatabase("sigint")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.environment("sigint", """
            environment: sigint
            protected: false
            resources:
              postgres_schema.app:
                url: "${secret.SIGINT_DB_URL}"
                migrations: db/migrations
                shadow: false
            """)
        var env = ProcessInfo.processInfo.environment
        env["SIGINT_DB_URL"] = Servers.url(db)
        try p.write("0001_ok.up.sql", "CREATE TABLE ok1 (id int);\n")
        try p.write("0002_slow.up.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n")
        let proc = try Child(OGFBinary.path, ["apply", "-C", p.root, "sigint", "--auto-approve", "--no-color"], environment: env,
                             output: .merged, stdin: FileHandle.standardInput)

        let watcher = try Servers.connect(db)
        let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ogf apply sigint%' AND state = 'active' AND query LIKE '%pg_sleep(30)%'"
        let inside = try await eventually(30) { try watcher.query(sleeping).firstValue == "1" }
        if !inside { proc.signal(SIGTERM) }
        try #require(inside, "the migrator never reached 0002")
        proc.signal(SIGINT)
        try await Task.sleep(for: .milliseconds(500))
        #expect(proc.isRunning, "the first interrupt must let the migration run on")
        let start = Date()
        proc.signal(SIGINT)
        let exited = try await eventually(10) { !proc.isRunning }
        if !exited { proc.signal(SIGKILL) }
        let result = await proc.wait()
        let elapsed = Date().timeIntervalSince(start)
        let text = result.outText
        #expect(exited && elapsed < 5, "ogf took \(elapsed)s to stop after the second interrupt")
        #expect(result.code != 0, "\(text)")
        #expect(!text.contains(Servers.pgPassword))
        #expect(try watcher.query(sleeping).firstValue == "0")
        #expect(try watcher.query("SELECT version FROM ogf_schema_migrations ORDER BY version").rows.map { $0[0] } == ["1"])
        #expect(try watcher.query("SELECT to_regclass('slow') IS NULL").firstValue == "t")
        // Not recorded as applied: the next plan shows the migration pending again.
        let state = try String(contentsOfFile: p.root + "/state/sigint.json", encoding: .utf8)
        #expect(!state.contains("postgres_schema.app"), "\(state)")
    }

    /// pg_dump runs through SpawnProcessRunner: cancelling must kill it, not wait for it. It is
    /// made to wait on a lock the test holds, so it would otherwise hang until the lock goes.
    @Test func cancelledPgDumpIsKilled() async throws {
        let db = try Servers.freshDatabase("canceldump")
        defer { Servers.drop(db) }
        let holder = try Servers.connect(db)
        try holder.execute("CREATE TABLE busy (id int)")
        try holder.execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        let watcher = try Servers.connect(db)

        let file = NSTemporaryDirectory() + "ogf-cancel-dump-\(UUID().uuidString).dump"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: ProcessInfo.processInfo.environment)
        let url = try #require(DatabaseURL(Servers.url(db)))
        let task = Task { try await tools.dump(url, to: file) }
        let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pg_dump' AND wait_event_type = 'Lock'"
        let blocked = try await eventually(20) { try watcher.query(waiting).firstValue == "1" }
        try #require(blocked, "pg_dump never waited on the lock")
        #expect(Self.processes(mentioning: file).count == 1)
        try await Task.sleep(for: .milliseconds(500))

        let start = Date()
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 6, "took \(elapsed)s to return")
        #expect(throws: (any Error).self) { try result.get() }
        #expect(Self.processes(mentioning: file).isEmpty, "pg_dump is still running")
        // Its session goes too (the server checks for gone clients every second).
        let gone = try await eventually(5) { try watcher.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pg_dump'").firstValue == "0" }
        #expect(gone)
    }

    /// Live processes (not zombies) whose command line contains `text`.
    static func processes(mentioning text: String) -> [String] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard Int(pid) != nil, let cmd = fm.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmd, as: UTF8.self).contains(text),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
        }
    }

    @Test func cancelledBlockingRedisCommandReturnsPromptly() async throws {
        let name = "ogf-cancel-\(UUID().uuidString.prefix(8))"
        // A reply timeout far beyond the test: only the cancellation can end the read early.
        let client = try await RESPClient.open(host: "127.0.0.1", port: Servers.redisPort, timeout: 120)
        #expect(try await client.call(["AUTH", Servers.redisPassword]) == .simple("OK"))
        #expect(try await client.call(["CLIENT", "SETNAME", name]) == .simple("OK"))
        let admin = try RESPClient(host: "127.0.0.1", port: Servers.redisPort, timeout: 2)
        #expect(try admin.send(["AUTH", Servers.redisPassword]) == .simple("OK"))
        func clientLine() throws -> String? {
            try admin.send(["CLIENT", "LIST"]).text?.split(separator: "\n").first { $0.contains("name=\(name) ") }.map(String.init)
        }

        let task = Task { try await client.call(["BLPOP", "\(name)-list", "30"]) }
        let blocked = try await eventually(10) { try clientLine()?.contains("cmd=blpop") == true }
        try #require(blocked, "BLPOP never blocked")
        try await Task.sleep(for: .milliseconds(500))

        let start = Date()
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2, "took \(elapsed)s to return")
        #expect(throws: CancellationError.self) { try result.get() }
        // The socket was shut down: the server drops the client, and the client sends nothing more.
        let gone = try await eventually(3) { try clientLine() == nil }
        let line = try clientLine()
        #expect(gone, "\(String(describing: line))")
        #expect(throws: RESPError.self) { try client.send(["PING"]) }
    }
}
