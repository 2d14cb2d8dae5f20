import Foundation
import OGFCore
import OGFSupport
import OGFTestSupport
import Testing
@testable import OGFDatabase

/// Other tools' migration folders read in place (`layout:`), and `ogf db adopt` from their history tables,
/// against the real PostgreSQL 15; sqitch's case runs the real sqitch.
@Suite(.serialized) struct LayoutAdoptTests {
    let kind = PostgresSchemaKind(processes: SpawnProcessRunner())

    func config(_ db: String, _ p: Project, _ layout: String, _ extra: [String: Value] = [:]) -> [String: Value] {
        var c: [String: Value] = ["url": .sensitive(.string(Servers.url(db))), "migrations": .string(p.folder),
                                  "migration_lock_wait": "1s", "layout": .string(layout)]
        for (k, v) in extra { c[k] = v }
        return c
    }

    func write(_ p: Project, _ path: String, _ text: String) throws {
        let full = "\(p.root)/\(p.folder)/\(path)"
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    func history(_ db: String) throws -> [String] {
        try Servers.connect(db).query("SELECT version || ' ' || name || ' ' || length(checksum) FROM ogf_schema_migrations ORDER BY version").rows.compactMap { $0[0] }
    }

    func adopt(_ db: String, _ p: Project, _ layout: String) async throws -> AdoptionReport {
        try await PostgresSchemaKind.adopt(kind.schema.withDefaults(config(db, p, layout)), context: p.context())
    }

    func adoptFailure(_ db: String, _ p: Project, _ layout: String) async -> String {
        do {
            _ = try await adopt(db, p, layout)
            return "adopted"
        } catch let f as ResourceFailure {
            return f.message
        } catch {
            return "\(error)"
        }
    }

    // MARK: diesel

    func dieselFolder(_ p: Project) throws {
        try write(p, "2020-01-01-000001_create_users/up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
        try write(p, "2020-01-01-000001_create_users/down.sql", "DROP TABLE users;\n")
        try write(p, "2020-01-02-000000_users_email/up.sql", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n")
        try write(p, "2020-01-02-000000_users_email/down.sql", "DROP INDEX CONCURRENTLY users_email;\n")
        try write(p, "2020-01-02-000000_users_email/metadata.toml", "run_in_transaction = false\n")
    }

    @Test func dieselFolderIsReadInPlaceWithItsNonTransactionalMigration() async throws {
        let db = try MigServers.freshDatabase("diesel")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try dieselFolder(p)
        let plan = try await kind.plan(config(db, p, "diesel"), p.context(protected: true))
        #expect(plan.details.contains("  db/migrations/2020-01-01-000001_create_users/up.sql"), "\(plan.details)")
        #expect(plan.details.contains("  db/migrations/2020-01-02-000000_users_email/up.sql  (no transaction)"))
        #expect(plan.details.contains("  db/migrations/2020-01-02-000000_users_email/down.sql"))
        #expect(!plan.details.contains { $0.contains("concurrently-in-transaction") })
        #expect(!plan.diagnostics.contains { $0.severity == .error }, "\(plan.diagnostics)")
        let applied = try await kind.apply(config(db, p, "diesel"), p.context(protected: true))
        #expect(applied.outputs["version"] == .int(20200102000000))
        #expect(try history(db) == ["20200101000001 create_users 64", "20200102000000 users_email 64"])
        #expect(try Servers.connect(db).query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass").firstValue == "t")
    }

    @Test func adoptFromDiesel() async throws {
        let db = try MigServers.freshDatabase("adoptdiesel")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try dieselFolder(p)
        try write(p, "2020-02-01-000000_add_name/up.sql", "ALTER TABLE users ADD COLUMN name text;\n")
        // What `diesel migration run` leaves behind for the first two.
        let c = try Servers.connect(db)
        try c.execute("""
            CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
            CREATE TABLE users (id bigint PRIMARY KEY, email text);
            CREATE INDEX users_email ON users (email);
            INSERT INTO __diesel_schema_migrations (version) VALUES ('20200101000001'), ('20200102000000');
            """)
        let report = try await adopt(db, p, "diesel")
        #expect(report.adopted == ["db/migrations/2020-01-01-000001_create_users/up.sql", "db/migrations/2020-01-02-000000_users_email/up.sql"])
        #expect(report.pending == ["db/migrations/2020-02-01-000000_add_name/up.sql"])
        #expect(try history(db) == ["20200101000001 create_users 64", "20200102000000 users_email 64"])
        let plan = try await kind.plan(config(db, p, "diesel"), p.context())
        #expect(plan.details.contains("version 20200102000000 → 20200201000000"), "\(plan.details)")
        #expect(try await adopt(db, p, "diesel").alreadyAdopted)
    }

    @Test func adoptRefusesWhenAnAppliedFileIsMissing() async throws {
        let db = try MigServers.freshDatabase("adoptmissing")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try dieselFolder(p)
        try Servers.connect(db).execute("""
            CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
            INSERT INTO __diesel_schema_migrations (version) VALUES ('20200101000001'), ('20190101000000');
            """)
        let message = await adoptFailure(db, p, "diesel")
        #expect(message.contains("version 20190101000000 was applied by diesel but no file in db/migrations has it"), "\(message)")
        #expect(try Servers.connect(db).query("SELECT to_regclass('ogf_schema_migrations') IS NULL").firstValue == "t", "nothing recorded")
    }

    // MARK: flyway

    @Test func flywayFolderAndAdopt() async throws {
        let db = try MigServers.freshDatabase("flyway")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try write(p, "V1__create_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
        try write(p, "U1__create_users.sql", "DROP TABLE users;\n")
        try write(p, "V2__users_email.sql", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n")
        try write(p, "V2__users_email.sql.conf", "executeInTransaction=false\n")
        try write(p, "V3__add_name.sql", "ALTER TABLE users ADD COLUMN name text;\n")
        try Servers.connect(db).execute("""
            CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
              type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
              installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL);
            CREATE TABLE users (id bigint PRIMARY KEY, email text);
            INSERT INTO flyway_schema_history VALUES (1, '1', 'create users', 'SQL', 'V1__create_users.sql', 123, 'app', now(), 5, true);
            """)
        let report = try await adopt(db, p, "flyway")
        #expect(report.adopted == ["db/migrations/V1__create_users.sql"])
        #expect(try history(db) == ["1 create_users 64"])
        let plan = try await kind.plan(config(db, p, "flyway"), p.context())
        #expect(plan.details.contains("  db/migrations/V2__users_email.sql  (no transaction, irreversible)"), "\(plan.details)")
        #expect(plan.details.contains("  db/migrations/V3__add_name.sql  (irreversible)"))
        let applied = try await kind.apply(config(db, p, "flyway"), p.context())
        #expect(applied.outputs["version"] == 3)
    }

    // MARK: golang-migrate

    @Test func golangMigrateAdoptAndDirtyRefusal() async throws {
        let db = try MigServers.freshDatabase("gomigrate")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try write(p, "1_create_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
        try write(p, "1_create_users.down.sql", "DROP TABLE users;\n")
        try write(p, "2_add_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n")
        let c = try Servers.connect(db)
        try c.execute("""
            CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
            CREATE TABLE users (id bigint PRIMARY KEY);
            INSERT INTO schema_migrations VALUES (1, true);
            """)
        let dirty = await adoptFailure(db, p, "golang-migrate")
        #expect(dirty.contains("golang-migrate marks version 1 dirty"), "\(dirty)")
        try c.execute("UPDATE schema_migrations SET dirty = false")
        let report = try await adopt(db, p, "golang-migrate")
        #expect(report.adopted == ["db/migrations/1_create_users.up.sql"])
        #expect(report.pending == ["db/migrations/2_add_email.up.sql"])
        #expect(try history(db) == ["1 create_users 64"])
    }

    // MARK: sqitch

    func sqitch(_ p: Project, _ args: [String]) async throws -> (Int32, String) {
        var env = ProcessInfo.processInfo.environment
        env["SQITCH_FULLNAME"] = "ogf tests"
        env["SQITCH_EMAIL"] = "tests@ogf.invalid"
        // No user or system configuration leaks in: an empty file of the test's own.
        let empty = "\(p.root)/empty-sqitch.conf"
        FileManager.default.createFile(atPath: empty, contents: Data())
        env["SQITCH_CONFIG"] = empty
        env["SQITCH_USER_CONFIG"] = empty
        env["SQITCH_SYSTEM_CONFIG"] = empty
        let r = try await Child.run(onPath: ["sqitch"] + args, environment: env, directory: "\(p.root)/\(p.folder)",
                                    output: .merged, stdin: FileHandle.standardInput)
        return (r.code, r.outText)
    }

    @Test func sqitchDeployedByTheRealSqitchIsAdopted() async throws {
        let db = try MigServers.freshDatabase("sqitch")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try write(p, "sqitch.plan", """
            %syntax-version=1.0.0
            %project=ogfmig

            users 2026-01-01T00:00:00Z ogf tests <tests@ogf.invalid> # users table
            widgets [users] 2026-01-02T00:00:00Z ogf tests <tests@ogf.invalid> # widgets
            @v1 2026-01-02T00:00:01Z ogf tests <tests@ogf.invalid> # tag
            widgets_name [widgets] 2026-01-03T00:00:00Z ogf tests <tests@ogf.invalid> # a column

            """)
        try write(p, "deploy/users.sql", "BEGIN;\nCREATE TABLE users (id bigint PRIMARY KEY);\nCOMMIT;\n")
        try write(p, "revert/users.sql", "BEGIN;\nDROP TABLE users;\nCOMMIT;\n")
        try write(p, "verify/users.sql", "SELECT id FROM users WHERE false;\n")
        try write(p, "deploy/widgets.sql", "BEGIN;\nCREATE TABLE widgets (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\nCOMMIT;\n")
        try write(p, "revert/widgets.sql", "BEGIN;\nDROP TABLE widgets;\nCOMMIT;\n")
        try write(p, "deploy/widgets_name.sql", "BEGIN;\nALTER TABLE widgets ADD COLUMN name text;\nCOMMIT;\n")
        let target = "db:pg://ogf:\(Servers.pgPassword)@127.0.0.1:\(Servers.pgPort)/\(db)"
        let (status, out) = try await sqitch(p, ["deploy", "--to", "widgets", target])
        #expect(status == 0, "sqitch deploy failed (install sqitch and libdbd-pg-perl: scripts/install-deps.sh): \(out)")
        let report = try await adopt(db, p, "sqitch")
        #expect(report.adopted == ["db/migrations/deploy/users.sql", "db/migrations/deploy/widgets.sql"], "\(report)")
        #expect(report.pending == ["db/migrations/deploy/widgets_name.sql"])
        #expect(try history(db) == ["1 users 64", "2 widgets 64"])
        // The remaining change runs under ogf, its own BEGIN/COMMIT statement by statement.
        let plan = try await kind.plan(config(db, p, "sqitch"), p.context())
        #expect(plan.details.contains("  db/migrations/deploy/widgets_name.sql  (no transaction, irreversible)"), "\(plan.details)")
        #expect(!plan.diagnostics.contains { $0.severity == .error }, "\(plan.diagnostics)")
        let applied = try await kind.apply(config(db, p, "sqitch"), p.context())
        #expect(applied.outputs["version"] == 3)
        // A deployed script edited afterwards is caught by sqitch's script_hash.
        try write(p, "deploy/users.sql", "BEGIN;\nCREATE TABLE users (id bigint PRIMARY KEY, x int);\nCOMMIT;\n")
        try Servers.connect(db).execute("DROP TABLE ogf_schema_migrations")
        let changed = await adoptFailure(db, p, "sqitch")
        #expect(changed.contains("db/migrations/deploy/users.sql changed since sqitch deployed it"), "\(changed)")
    }
}

/// `ogf db adopt ENV` through the built binary.
@Suite(.serialized) struct AdoptCommandTests {
    @Test func adoptCommandRecordsGolangMigrateHistory() async throws {
        let db = try MigServers.freshDatabase("adoptcli")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.environment("prod", """
            environment: prod
            protected: true
            resources:
              postgres_schema.app:
                url: "${secret.ADOPT_DB_URL}"
                migrations: db/migrations
                layout: golang-migrate
            """)
        try p.write("1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
        try p.write("2_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n")
        try Servers.connect(db).execute("""
            CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
            CREATE TABLE users (id bigint PRIMARY KEY);
            INSERT INTO schema_migrations VALUES (1, false);
            """)
        var env = ProcessInfo.processInfo.environment
        env["ADOPT_DB_URL"] = Servers.url(db)
        let (status, out) = try await OGFBinary.run(["db", "adopt", "-C", p.root, "prod", "--no-color"], env)
        #expect(status == 0, "\(out)")
        #expect(out.contains("recorded 1 migration applied by golang-migrate's schema_migrations in ogf_schema_migrations (nothing was run): db/migrations/1_users.up.sql"), "\(out)")
        #expect(out.contains("1 pending for ogf apply, from db/migrations/2_email.up.sql"))
        #expect(!out.contains(Servers.pgPassword))
        #expect(try Servers.connect(db).query("SELECT version || ' ' || name FROM ogf_schema_migrations").firstValue == "1 users")
        let (again, out2) = try await OGFBinary.run(["db", "adopt", "-C", p.root, "prod", "--no-color"], env)
        #expect(again == 0 && out2.contains("nothing to do"), "\(out2)")
    }
}
