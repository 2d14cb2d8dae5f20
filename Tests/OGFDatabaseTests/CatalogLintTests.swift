import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// Databases of these tests are named ogf_mig_*: the server is shared with other test suites.
enum MigServers {
    static func freshDatabase(_ tag: String) throws -> String {
        let name = "ogf_mig_\(tag)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: Servers.pgAdminURL, applicationName: "ogf tests")
        try admin.execute("CREATE DATABASE \(name) OWNER ogf TEMPLATE template0")
        return name
    }
}

/// The zero-downtime lint against the real PostgreSQL 15 catalog: the shadow's between migrations, or the
/// live one with `shadow: false`, and the live table sizes.
@Suite(.serialized) struct CatalogLintTests {
    let kind = PostgresSchemaKind(processes: SpawnProcessRunner())

    func config(_ db: String, _ p: Project, _ extra: [String: Value] = [:]) -> [String: Value] {
        var c: [String: Value] = ["url": .sensitive(.string(Servers.url(db))), "migrations": .string(p.folder), "migration_lock_wait": "1s"]
        for (k, v) in extra { c[k] = v }
        return c
    }

    /// The plan's lint lines of one rule.
    func lines(_ plan: PlanResponse, _ rule: String) -> [String] {
        plan.details.filter { $0.contains("[\(rule)]") }
    }

    /// A database with `setup` applied as migration 0001 and `rows` inserted afterwards (outside migrations).
    func prepared(_ tag: String, _ p: Project, setup: String, fill: String? = nil, protected: Bool = false) async throws -> String {
        let db = try MigServers.freshDatabase(tag)
        try p.write("0001_setup.up.sql", setup)
        _ = try await kind.apply(config(db, p), p.context())
        if let fill { try Servers.connect(db).execute(fill) }
        return db
    }

    @Test(arguments: [true, false]) func volatileUserFunctionInDefaultIsFoundImmutableIsNot(shadow: Bool) async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("volatile", p, setup: """
            CREATE TABLE emails (id bigint PRIMARY KEY, address text);
            CREATE FUNCTION random_string(n int) RETURNS text LANGUAGE sql AS $$ SELECT left(md5(random()::text), n) $$;
            CREATE FUNCTION fixed_code() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;
            """, fill: "INSERT INTO emails SELECT g, 'a' || g FROM generate_series(1, 500) g")
        defer { Servers.drop(db) }
        try p.write("0002_tokens.up.sql", """
            ALTER TABLE emails ADD COLUMN token text NOT NULL DEFAULT random_string(26);
            ALTER TABLE emails ADD COLUMN code text DEFAULT fixed_code();
            """)
        let plan = try await kind.plan(config(db, p, ["shadow": .bool(shadow)]), p.context(protected: true))
        let found = lines(plan, "add-column-volatile-default")
        #expect(found.count == 1, "\(plan.details)")
        #expect(found.first?.contains("random_string()") == true)
        #expect(found.first?.contains("VOLATILE") == true)
        #expect(found.first?.contains("error[") == true)
        #expect(found.first?.contains("emails: ~") == true || found.first?.contains("emails: rows not counted") == true, "the live size is shown: \(found)")
        #expect(plan.diagnostics.contains { $0.severity == .error && $0.summary.contains("add-column-volatile-default") })
    }

    /// The lint's verdict matches what PostgreSQL does: the table's relfilenode changes only for the volatile default.
    @Test func findingsAgreeWithTheServersRewrites() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("rewrite", p, setup: """
            CREATE TABLE emails (id bigint PRIMARY KEY, address text);
            CREATE FUNCTION random_string(n int) RETURNS text LANGUAGE sql AS $$ SELECT left(md5(random()::text), n) $$;
            CREATE FUNCTION fixed_code() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;
            """, fill: "INSERT INTO emails SELECT g, 'a' || g FROM generate_series(1, 500) g")
        defer { Servers.drop(db) }
        func relfilenode() throws -> String? {
            try Servers.connect(db).query("SELECT relfilenode FROM pg_class WHERE relname = 'emails'").firstValue
        }
        try p.write("0002_code.up.sql", "ALTER TABLE emails ADD COLUMN code text DEFAULT fixed_code();\n")
        let immutable = try await kind.plan(config(db, p), p.context())
        #expect(lines(immutable, "add-column-volatile-default").isEmpty)
        let before = try relfilenode()
        _ = try await kind.apply(config(db, p), p.context())
        #expect(try relfilenode() == before, "no rewrite for an immutable default")

        try p.write("0003_token.up.sql", "ALTER TABLE emails ADD COLUMN token text NOT NULL DEFAULT random_string(26);\n")
        let volatile = try await kind.plan(config(db, p), p.context())
        #expect(lines(volatile, "add-column-volatile-default").count == 1)
        _ = try await kind.apply(config(db, p), p.context())
        #expect(try relfilenode() != before, "PostgreSQL rewrote the table for the volatile default")
    }

    @Test func functionUnknownToTheCatalogStaysAFinding() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("nofunc", p, setup: "CREATE TABLE emails (id bigint PRIMARY KEY);",
                                    fill: "INSERT INTO emails SELECT generate_series(1, 10)")
        defer { Servers.drop(db) }
        // Created in the same file without a volatility label: volatile.
        try p.write("0002_f.up.sql", """
            CREATE FUNCTION mk() RETURNS text LANGUAGE sql AS $$ SELECT 'k' $$;
            ALTER TABLE emails ADD COLUMN k text DEFAULT mk();
            """)
        let plan = try await kind.plan(config(db, p), p.context())
        #expect(lines(plan, "add-column-volatile-default").first?.contains("VOLATILE function (created without IMMUTABLE or STABLE)") == true, "\(plan.details)")
    }

    @Test(arguments: [true, false]) func checkValidateSetNotNullRecipeAcrossMigrationsHasNoFinding(shadow: Bool) async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("recipe", p, setup: "CREATE TABLE foo (id bigint PRIMARY KEY, bar int, baz int);",
                                    fill: "INSERT INTO foo SELECT g, g, g FROM generate_series(1, 1000) g")
        defer { Servers.drop(db) }
        try p.write("0002_check.up.sql", "ALTER TABLE foo ADD CONSTRAINT foo_bar_nn CHECK (bar IS NOT NULL) NOT VALID;\n")
        try p.write("0003_validate.up.sql", "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_nn;\n")
        try p.write("0004_not_null.up.sql", "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;\nALTER TABLE foo ALTER COLUMN baz SET NOT NULL;\n")
        let plan = try await kind.plan(config(db, p, ["shadow": .bool(shadow)]), p.context(protected: true))
        let found = lines(plan, "set-not-null")
        #expect(found.count == 1, "only baz, which has no validated CHECK: \(found)")
        #expect(found.first?.contains("column baz") == true)
        #expect(found.first?.contains("no validated CHECK (baz IS NOT NULL)") == true || !shadow, "\(found)")
    }

    @Test func setNotNullAfterTheRecipeWasAppliedReadsTheCatalog() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("recipe2", p, setup: """
            CREATE TABLE foo (id bigint PRIMARY KEY, bar int);
            ALTER TABLE foo ADD CONSTRAINT foo_bar_nn CHECK (bar IS NOT NULL) NOT VALID;
            """, fill: "INSERT INTO foo SELECT g, g FROM generate_series(1, 100) g")
        defer { Servers.drop(db) }
        try p.write("0002_validate.up.sql", "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_nn;\n")
        _ = try await kind.apply(config(db, p), p.context())
        try p.write("0003_not_null.up.sql", "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;\n")
        for shadow in [true, false] {
            let plan = try await kind.plan(config(db, p, ["shadow": .bool(shadow)]), p.context(protected: true))
            #expect(lines(plan, "set-not-null").isEmpty, "\(plan.details)")
            #expect(!plan.diagnostics.contains { $0.severity == .error }, "\(plan.diagnostics)")
        }
    }

    @Test func uniqueConstraintUsingAnExistingIndex() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("unique", p, setup: """
            CREATE TABLE t (id bigint, code text);
            CREATE UNIQUE INDEX t_code_idx ON t (code);
            CREATE UNIQUE INDEX t_id_idx ON t (id);
            """, fill: "INSERT INTO t SELECT g, 'c' || g FROM generate_series(1, 100) g")
        defer { Servers.drop(db) }
        try p.write("0002_adopt.up.sql", """
            ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_idx;
            ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;
            """)
        let plan = try await kind.plan(config(db, p), p.context())
        let found = lines(plan, "unique-constraint-without-index")
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains("PRIMARY KEY USING INDEX t_id_idx") == true)
        #expect(found.first?.contains("nullable column id") == true)
    }

    @Test func typeChangesSafeAndRewriting() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("types", p, setup: "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(20), n int, note varchar(40));",
                                    fill: "INSERT INTO t SELECT g, 'n', g, 'x' FROM generate_series(1, 100) g")
        defer { Servers.drop(db) }
        try p.write("0002_types.up.sql", """
            ALTER TABLE t ALTER COLUMN name TYPE varchar(50);
            ALTER TABLE t ALTER COLUMN note TYPE text;
            ALTER TABLE t ALTER COLUMN n TYPE bigint;
            """)
        for shadow in [true, false] {
            let plan = try await kind.plan(config(db, p, ["shadow": .bool(shadow)]), p.context())
            let found = lines(plan, "alter-column-type-rewrite")
            #expect(found.count == 1, "\(found)")
            #expect(found.first?.contains("Column n of existing table t changes type from int4 to int8") == true, "\(found)")
        }
    }

    @Test func emptyLiveTableIsInfoPopulatedIsAnErrorWithItsSize() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let db = try await prepared("sizes", p, setup: "CREATE TABLE readings (id bigint PRIMARY KEY, taken_at timestamptz);")
        defer { Servers.drop(db) }
        try p.write("0002_index.up.sql", "CREATE INDEX readings_taken_at ON readings (taken_at);\n")
        let empty = try await kind.plan(config(db, p), p.context(protected: true))
        let info = lines(empty, "create-index-without-concurrently")
        #expect(info.count == 1 && info[0].contains("info[create-index-without-concurrently]"), "\(info)")
        #expect(info.first?.contains("table readings is empty in the live database") == true)
        #expect(!empty.diagnostics.contains { $0.severity == .error }, "an empty table does not block: \(empty.diagnostics)")

        try Servers.connect(db).execute("INSERT INTO readings SELECT g, now() FROM generate_series(1, 20000) g; ANALYZE readings")
        let full = try await kind.plan(config(db, p), p.context(protected: true))
        let error = lines(full, "create-index-without-concurrently")
        #expect(error.first?.contains("error[create-index-without-concurrently]") == true, "\(error)")
        #expect(error.first?.contains("(readings: ~20k rows, ") == true, "\(error)")
        #expect(full.diagnostics.contains { $0.severity == .error && $0.summary.contains("create-index-without-concurrently") })
    }

    @Test(arguments: [true, false]) func tableCreatedEarlierInThePlanIsInfo(shadow: Bool) async throws {
        let db = try MigServers.freshDatabase("sameplan")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_t.up.sql", "CREATE TABLE devices (id bigint PRIMARY KEY, site bigint);\n")
        try p.write("0002_i.up.sql", "CREATE INDEX devices_site ON devices (site);\nALTER TABLE devices ALTER COLUMN site SET NOT NULL;\n")
        let plan = try await kind.plan(config(db, p, ["shadow": .bool(shadow)]), p.context(protected: true))
        let found = plan.details.filter { $0.contains("0002_i.up.sql") && $0.contains("info[") }
        #expect(found.count == 2, "\(plan.details)")
        #expect(found.allSatisfy { $0.contains("table devices is created earlier in this plan (db/migrations/0001_t.up.sql)") })
        #expect(!plan.diagnostics.contains { $0.severity == .error }, "\(plan.diagnostics)")
        // Apply re-checks with the live catalog and agrees.
        let applied = try await kind.apply(config(db, p, ["shadow": .bool(shadow)]), p.context(protected: true))
        #expect(applied.outputs["version"] == 2)
    }

    @Test func lintFromSkipsOlderMigrations() async throws {
        let db = try MigServers.freshDatabase("lintfrom")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_t.up.sql", "CREATE TABLE a (id int);\nCREATE TABLE c (id int);\n")
        try p.write("0002_t.up.sql", "DROP TABLE a;\n")
        try p.write("0003_t.up.sql", "SELECT 1;\nDROP TABLE c;\n")
        let plan = try await kind.plan(config(db, p, ["lint_from": .int(2)]), p.context())
        #expect(plan.details.contains("  (2 migrations up to version 2 not linted: lint_from: 2)"), "\(plan.details)")
        #expect(!plan.details.contains { $0.contains("0002_t.up.sql:1") })
        #expect(plan.details.contains { $0.contains("0003_t.up.sql:2") && $0.contains("drop-column-or-table") })
    }

    @Test func longPendingAndRollbackListsAreCounted() async throws {
        let db = try MigServers.freshDatabase("long")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        for i in 1...40 {
            try p.write(String(format: "%04d_m%d.up.sql", i, i), "CREATE TABLE m\(i) (id int);\n")
            if i != 20 { try p.write(String(format: "%04d_m%d.down.sql", i, i), "DROP TABLE m\(i);\n") }
        }
        let plan = try await kind.plan(config(db, p, ["shadow": .bool(false)]), p.context())
        #expect(plan.details.contains("pending (40):"))
        #expect(plan.details.contains("  … 30 more (1 irreversible) …"), "\(plan.details)")
        #expect(plan.details.contains("  db/migrations/0001_m1.up.sql"))
        #expect(plan.details.contains("  db/migrations/0040_m40.up.sql"))
        #expect(plan.details.count < 40, "\(plan.details.count) lines")
    }
}
