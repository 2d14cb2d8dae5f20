import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// postgres_schema against the real PostgreSQL from scripts/services/postgres.sh.
@Suite(.serialized) struct MigrationTests {
    let kind = PostgresSchemaKind(processes: SpawnProcessRunner())

    func config(_ db: String, _ p: Project, _ extra: [String: Value] = [:]) -> [String: Value] {
        var c: [String: Value] = ["url": .sensitive(.string(Servers.url(db))), "migrations": .string(p.folder), "migration_lock_wait": "1s"]
        for (k, v) in extra { c[k] = v }
        return c
    }

    func history(_ db: String) throws -> [String] {
        try Servers.connect(db).query("SELECT version || ' ' || name FROM ogf_schema_migrations ORDER BY version").rows.compactMap { $0[0] }
    }

    func tableExists(_ db: String, _ t: String) throws -> Bool {
        try Servers.connect(db).query("SELECT to_regclass($1) IS NOT NULL", [t]).firstValue == "t"
    }

    @Test func pendingThenAppliedThenNothingPending() async throws {
        let db = try Servers.freshDatabase("pending")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_sites.up.sql", "SET LOCAL lock_timeout = '5s';\nCREATE TABLE sites (id bigint PRIMARY KEY, name text);\n")
        try p.write("0001_sites.down.sql", "DROP TABLE sites;\n")
        try p.write("0002_devices.up.sql", "SET LOCAL lock_timeout = '5s';\nCREATE TABLE devices (id bigint PRIMARY KEY, site_id bigint REFERENCES sites);\n")
        let ctx = p.context()

        let plan = try await kind.plan(config(db, p), ctx)
        #expect(plan.action == .create)
        #expect(plan.details.contains("version 0 → 2"))
        #expect(plan.details.contains("  db/migrations/0001_sites.up.sql"))
        #expect(plan.details.contains { $0.contains("0002_devices.up.sql") && $0.contains("irreversible") })
        #expect(plan.details.contains { $0.hasPrefix("dry run on a shadow database: 2 migrations applied cleanly") })
        // Rollback plan: newest first, the one without a down file marked.
        let rb = plan.details.drop { $0 != "rollback plan (newest first):" }.dropFirst()
        #expect(Array(rb) == ["  db/migrations/0002_devices.up.sql: IRREVERSIBLE (no down file)", "  db/migrations/0001_sites.down.sql"])
        #expect(plan.diagnostics.filter { $0.severity == .error }.isEmpty)
        #expect(try tableExists(db, "sites") == false, "planning must not touch the real schema")

        let applied = try await kind.apply(config(db, p), ctx)
        #expect(applied.outputs["version"] == 2)
        #expect(applied.outputs["previous_version"] == 0)
        #expect(try history(db) == ["1 sites", "2 devices"])
        let row = try Servers.connect(db).query("SELECT checksum, applied_by, ogf_version, execution_ms >= 0 FROM ogf_schema_migrations WHERE version = 1")
        #expect(row.rows[0][0]?.count == 64)
        #expect(row.rows[0][1]?.hasPrefix("tester@") == true)
        #expect(row.rows[0][2] == OGFVersion.current)
        #expect(row.rows[0][3] == "t")

        let again = try await kind.plan(config(db, p), ctx, prior: okState("postgres_schema", outputs: applied.outputs))
        #expect(again.action == .noop)
        #expect(again.details == ["version 2, up to date"])
    }

    /// What a promotion gate compares: every migration up to the version, with its checksum, in
    /// the plan (before anything ran) and in the outputs; a state without them records them once.
    @Test func migrationChecksumsArePlannedAndRecorded() async throws {
        let db = try Servers.freshDatabase("checksums")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_sites.up.sql", "CREATE TABLE sites (id bigint PRIMARY KEY);\n")
        try p.write("0002_devices.up.sql", "CREATE TABLE devices (id bigint PRIMARY KEY);\n")
        let ctx = p.context()
        let sums: [String: Value] = [
            "0001_sites.up.sql": Value.string(ContentHash.sha256("CREATE TABLE sites (id bigint PRIMARY KEY);\n")),
            "0002_devices.up.sql": Value.string(ContentHash.sha256("CREATE TABLE devices (id bigint PRIMARY KEY);\n")),
        ]
        let plan = try await kind.plan(config(db, p, ["shadow": false]), ctx)
        #expect(plan.plannedOutputs["migrations"] == .map(sums))
        let applied = try await kind.apply(config(db, p), ctx)
        #expect(applied.outputs["migrations"] == .map(sums))
        var old = applied.outputs
        old["migrations"] = nil
        let again = try await kind.plan(config(db, p), ctx, prior: okState("postgres_schema", outputs: old))
        #expect(again.action == .update)
        #expect(again.reasons == ["recording the migrations' checksums; nothing pending"])
        #expect(again.plannedOutputs["migrations"] == .map(sums))
    }

    @Test func modifiedMissingAndOutOfOrderAreErrorsNamingTheFile() async throws {
        let db = try Servers.freshDatabase("drift")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "CREATE TABLE a (id int);\n")
        try p.write("0002_b.up.sql", "CREATE TABLE b (id int);\n")
        try p.write("0005_c.up.sql", "CREATE TABLE c (id int);\n")
        let ctx = p.context()
        _ = try await kind.apply(config(db, p), ctx)

        try p.write("0001_a.up.sql", "CREATE TABLE a (id bigint);\n")           // modified
        try p.remove("0002_b.up.sql")                                           // missing
        try p.write("0003_late.up.sql", "CREATE TABLE late (id int);\n")       // out of order (below 5)
        let plan = try await kind.plan(config(db, p), ctx)
        let errors = plan.diagnostics.filter { $0.severity == .error }
        #expect(errors.contains { $0.location?.file == "db/migrations/0001_a.up.sql" && $0.summary.contains("changed after it was applied") })
        #expect(errors.contains { $0.location?.file == "db/migrations/0002_b.up.sql" && $0.summary.contains("its file is missing") })
        #expect(errors.contains { $0.location?.file == "db/migrations/0003_late.up.sql" && $0.summary.contains("out of order") })
        // Apply refuses as well (it re-reads under the lock).
        let f = await kind.applyFailure(config(db, p), ctx)
        #expect(f?.message.contains("0001_a.up.sql") == true)
    }

    @Test func failureMidwayLeavesTheLastGoodVersionAndNamesFileAndLine() async throws {
        let db = try Servers.freshDatabase("midway")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_ok.up.sql", "CREATE TABLE ok1 (id int);\n")
        try p.write("0002_bad.up.sql", """
            -- creates one table, then fails on line 5
            CREATE TABLE half (id int);
            INSERT INTO half VALUES (1);

            INSERT INTO no_such_table VALUES (1);
            CREATE TABLE never (id int);

            """)
        try p.write("0003_after.up.sql", "CREATE TABLE after3 (id int);\n")
        let ctx = p.context()
        let f = await kind.applyFailure(config(db, p, ["shadow": false]), ctx)
        let msg = try #require(f?.message)
        #expect(msg.contains("db/migrations/0002_bad.up.sql:5"))
        #expect(msg.contains("no_such_table"))
        #expect(msg.contains("The database is at version 1, the last good one"))
        #expect(f?.outputs["version"] == 1)
        #expect(try history(db) == ["1 ok"])
        #expect(try tableExists(db, "ok1"))
        #expect(try tableExists(db, "half") == false, "the failing migration is rolled back as a whole")
        #expect(try tableExists(db, "after3") == false)
    }

    @Test func syntaxErrorPointsAtTheLineInsideAStatement() async throws {
        let db = try Servers.freshDatabase("syntax")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_x.up.sql", "CREATE TABLE x (\n  id int,\n  name txet NOT NULL\n);\n")
        let f = await kind.applyFailure(config(db, p, ["shadow": false]), p.context())
        #expect(f?.message.contains("db/migrations/0001_x.up.sql:3") == true, "\(f?.message ?? "")")
    }

    @Test func aSecondMigratorReportsWhoHoldsTheLock() async throws {
        let db = try Servers.freshDatabase("lock")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "CREATE TABLE a (id int);\n")
        let holder = try PostgresConnection(url: Servers.url(db), applicationName: "ogf apply production by alice@ci pid 4242")
        let m = Migrator(history: MigrationHistory(), lockTimeout: 5, statementTimeout: 60, appliedBy: "alice", ogfVersion: "t")
        try await m.lock(holder, wait: 1)
        let start = Date()
        let f = await kind.applyFailure(config(db, p, ["shadow": false]), p.context())
        #expect(Date().timeIntervalSince(start) >= 0.9)
        let msg = try #require(f?.message)
        #expect(msg.contains("another migrator holds the migration lock"))
        #expect(msg.contains("ogf apply production by alice@ci pid 4242"))
        #expect(try tableExists(db, "a") == false)
        m.unlock(holder)
        _ = try await kind.apply(config(db, p, ["shadow": false]), p.context())
        #expect(try tableExists(db, "a"))
    }

    @Test func twoConcurrentMigratorsApplyEachMigrationOnce() async throws {
        let db = try Servers.freshDatabase("race")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        for i in 1...5 { try p.write(String(format: "%04d_t%d.up.sql", i, i), "CREATE TABLE t\(i) (id int); SELECT pg_sleep(0.05);\n") }
        let c = config(db, p, ["shadow": false, "migration_lock_wait": "30s"])
        async let a = kind.applyFailure(c, p.context())
        async let b = kind.applyFailure(c, p.context())
        let (fa, fb) = await (a, b)
        #expect(fa == nil && fb == nil, "\(fa?.message ?? "") \(fb?.message ?? "")")
        #expect(try history(db).count == 5)
    }

    @Test func dryRunCatchesAnErrorWithoutTouchingTheRealSchema() async throws {
        let db = try Servers.freshDatabase("dryrun")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_base.up.sql", "CREATE TABLE readings (device_id int, watts int);\n")
        _ = try await kind.apply(config(db, p, ["shadow": false]), p.context())
        try p.write("0002_good.up.sql", "ALTER TABLE readings ADD COLUMN taken_at timestamptz;\n")
        try p.write("0003_bad.up.sql", "SET LOCAL lock_timeout = '5s';\n\nALTER TABLE readings ADD COLUMN watts int;\n")
        let before = try Servers.connect(db).query("SELECT count(*) FROM pg_database WHERE datname LIKE 'ogf_shadow_%'").firstValue
        let plan = try await kind.plan(config(db, p), p.context())
        let err = try #require(plan.diagnostics.first { $0.severity == .error })
        #expect(err.location?.file == "db/migrations/0003_bad.up.sql")
        #expect(err.location?.line == 3)
        #expect(err.summary.contains("column \"watts\" of relation \"readings\" already exists"))
        #expect(plan.details.contains { $0.contains("FAILED at db/migrations/0003_bad.up.sql:3 (1 applied before it)") })
        // The real database is untouched and the shadow database is gone.
        let cols = try Servers.connect(db).query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'readings'").firstValue
        #expect(cols == "2")
        #expect(try history(db) == ["1 base"])
        let after = try Servers.connect(db).query("SELECT count(*) FROM pg_database WHERE datname LIKE 'ogf_shadow_%'").firstValue
        #expect(after == before)
    }

    @Test func thePlanSaysWhyThereIsNoShadowDatabase() async throws {
        let db = try Servers.freshDatabase("noshadow")
        defer { Servers.drop(db) }
        let admin = try PostgresConnection(url: Servers.pgAdminURL)
        let role = "ogf_nocreatedb_\(UInt16.random(in: 0...UInt16.max))"
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'pw-\(role)'; GRANT ALL ON DATABASE \(db) TO \(role)")
        defer { _ = try? admin.execute("DROP OWNED BY \(role) CASCADE; DROP ROLE \(role)") }
        try Servers.connect(db).execute("GRANT ALL ON SCHEMA public TO \(role)")
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "CREATE TABLE a (id int);\n")
        let url = "postgres://\(role):pw-\(role)@127.0.0.1:\(Servers.pgPort)/\(db)"
        let plan = try await kind.plan(["url": .sensitive(.string(url)), "migrations": .string(p.folder)], p.context())
        let line = try #require(plan.details.first { $0.hasPrefix("no dry run:") })
        #expect(line.contains("permission denied to create database"))
        #expect(line.contains("CREATEDB"))
        #expect(!line.contains("pw-\(role)"))
    }

    @Test func noTransactionFilesRunConcurrentlyIndexBuilds() async throws {
        let db = try Servers.freshDatabase("notx")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_t.up.sql", "CREATE TABLE t (id int, at timestamptz);\n")
        try p.write("0002_idx.up.sql", "-- ogf:no-transaction\nSET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY t_at_idx ON t (at);\n")
        let plan = try await kind.plan(config(db, p), p.context())
        #expect(plan.details.contains { $0.contains("0002_idx.up.sql") && $0.contains("no transaction") })
        _ = try await kind.apply(config(db, p), p.context())
        #expect(try tableExists(db, "t_at_idx"))
        #expect(try history(db) == ["1 t", "2 idx"])
    }

    @Test func lintFindingsShowInThePlanAndBlockProtectedEnvironments() async throws {
        let db = try Servers.freshDatabase("lint")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_t.up.sql", "SET LOCAL lock_timeout = '5s';\nCREATE TABLE t (id int, at timestamptz);\n")
        _ = try await kind.apply(config(db, p, ["shadow": false]), p.context())
        try p.write("0002_idx.up.sql", "SET LOCAL lock_timeout = '5s';\n\nCREATE INDEX t_at_idx ON t (at);\n")

        // Not protected: shown, warned, does not block.
        let open = try await kind.plan(config(db, p, ["shadow": false]), p.context())
        let lintLine = try #require(open.details.first { $0.contains("db/migrations/0002_idx.up.sql:3") })
        #expect(lintLine.contains("error["))
        #expect(open.diagnostics.allSatisfy { $0.severity != .error })
        #expect(open.diagnostics.contains { $0.severity == .warning && $0.detail?.contains("CONCURRENTLY") == true })

        // Protected: the plan has an error at FILE:LINE and apply refuses.
        let prot = try await kind.plan(config(db, p, ["shadow": false]), p.context(protected: true))
        let err = try #require(prot.diagnostics.first { $0.severity == .error })
        #expect(err.location?.file == "db/migrations/0002_idx.up.sql" && err.location?.line == 3)
        #expect(err.summary.contains("blocks apply in a protected environment"))
        let f = await kind.applyFailure(config(db, p, ["shadow": false]), p.context(protected: true))
        #expect(f?.message.contains("zero-downtime lint errors block apply") == true)
        #expect(try tableExists(db, "t_at_idx") == false)

        // An allow directive with a reason lets it through, and the plan shows the reason.
        try p.write("0002_idx.up.sql", "SET LOCAL lock_timeout = '5s';\n\n-- ogf:allow \(err.summary.split(separator: "[")[1].split(separator: "]")[0]) table t is empty in every environment\nCREATE INDEX t_at_idx ON t (at);\n")
        let allowed = try await kind.plan(config(db, p, ["shadow": false]), p.context(protected: true))
        #expect(allowed.diagnostics.allSatisfy { $0.severity != .error }, "\(allowed.diagnostics)")
        #expect(allowed.details.contains { $0.contains("allowed: table t is empty in every environment") })
        _ = try await kind.apply(config(db, p, ["shadow": false]), p.context(protected: true))
        #expect(try tableExists(db, "t_at_idx"))
    }
}
