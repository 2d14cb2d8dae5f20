import Foundation
import OGFTestSupport
import Testing
@testable import OGFDatabase

/// SIGKILL to a running `ogf apply` in the middle of a migration: the server rolls the
/// migration back, the advisory lock goes with the session, and the next apply finishes it.
/// Runs the built ogf binary (scripts/test.sh builds it with --build-tests).
@Suite(.serialized) struct KillTests {
    /// `firstRelease`: apply 0001 in an earlier run (state exists) or in the killed run itself
    /// (the environment's very first apply, which leaves a journal and no state file).
    @Test(arguments: [true, false])
    func killDuringAMigrationLeavesTheLastGoodVersion(firstRelease: Bool) async throws {
        let db = try Servers.freshDatabase("kill")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.environment("kill", """
            environment: kill
            protected: false
            resources:
              postgres_schema.app:
                url: "${secret.KILL_DB_URL}"
                migrations: db/migrations
                shadow: false
            """)
        var env = ProcessInfo.processInfo.environment
        env["KILL_DB_URL"] = Servers.url(db)
        try p.write("0001_ok.up.sql", "CREATE TABLE ok1 (id int);\n")
        if firstRelease {
            let (status1, out1) = try await OGFBinary.run(["apply", "-C", p.root, "kill", "--auto-approve", "--no-color"], env)
            try #require(status1 == 0, "\(out1)")
        }
        // The next one is killed inside 0002.
        try p.write("0002_slow.up.sql", "CREATE TABLE slow (id int);\nINSERT INTO slow SELECT generate_series(1, 1000);\nSELECT pg_sleep(30);\n")
        let proc = try Child(OGFBinary.path, ["apply", "-C", p.root, "kill", "--auto-approve", "--no-color"], environment: env,
                             output: .discarded, stdin: FileHandle.standardInput)

        // Wait until the migrator is inside 0002 (sleeping), then kill it without warning.
        let watcher = try Servers.connect(db)
        var inside = false
        for _ in 0..<200 {
            let n = try watcher.query("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ogf apply kill%' AND query LIKE '%pg_sleep(30)%'").firstValue
            if n == "1" { inside = true; break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        try #require(inside, "the migrator never reached 0002")
        proc.signal(SIGKILL)
        _ = await proc.wait()

        // The backend notices the dead client (client_connection_check_interval) and rolls back.
        var gone = false
        for _ in 0..<100 {
            let n = try watcher.query("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ogf apply kill%'").firstValue
            if n == "0" { gone = true; break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try #require(gone, "the killed migrator's session is still there")
        #expect(try watcher.query("SELECT version FROM ogf_schema_migrations ORDER BY version").rows.map { $0[0] } == ["1"])
        #expect(try watcher.query("SELECT to_regclass('slow') IS NULL").firstValue == "t")
        #expect(try watcher.query("SELECT pg_try_advisory_lock(\(Migrator.lockClass), hashtext('ogf_schema_migrations'))").firstValue == "t")
        _ = try watcher.query("SELECT pg_advisory_unlock_all()")

        // The next apply picks up where it stopped (0002 never ran, so it may be fixed first).
        try p.write("0002_slow.up.sql", "CREATE TABLE slow (id int);\nINSERT INTO slow SELECT generate_series(1, 1000);\n")
        let (status, out) = try await OGFBinary.run(["apply", "-C", p.root, "kill", "--auto-approve", "--no-color"], env)
        #expect(status == 0, "\(out)")
        #expect(out.contains("version 1 → 2"), "\(out)")  // 0001 committed before the kill either way
        #expect(try watcher.query("SELECT count(*) FROM slow").firstValue == "1000")
    }
}
