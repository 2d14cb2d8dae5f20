import Foundation
import Testing
@testable import OGFDatabase

/// What `ogf plan` prints for postgres_schema, through the built binary: lint findings in the
/// plan, and error findings blocking a protected environment.
@Suite(.serialized) struct PlanOutputTests {
    @Test func lintFindingsInThePlanAndProtectedEnvironmentsBlock() async throws {
        let db = try Servers.freshDatabase("planout")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        for (env, protected) in [("open", false), ("prod", true)] {
            try p.environment(env, """
                environment: \(env)
                protected: \(protected)
                resources:
                  postgres_schema.app:
                    url: "${secret.PLAN_DB_URL}"
                    migrations: db/migrations
                """)
        }
        var env = ProcessInfo.processInfo.environment
        env["PLAN_DB_URL"] = Servers.url(db)
        try p.write("0001_t.up.sql", "SET LOCAL lock_timeout = '5s';\nCREATE TABLE t (id int, at timestamptz);\n")
        let (s1, o1) = try await OGFBinary.run(["apply", "-C", p.root, "open", "--auto-approve", "--no-color"], env)
        try #require(s1 == 0, "\(o1)")
        // Rows: on an empty table the finding would be info (size-aware lint).
        try Servers.connect(db).execute("INSERT INTO t SELECT g, now() FROM generate_series(1, 100) g")
        try p.write("0002_idx.up.sql", "SET LOCAL lock_timeout = '5s';\n\nCREATE INDEX t_at_idx ON t (at);\n")

        let (s2, o2) = try await OGFBinary.run(["plan", "-C", p.root, "open", "--no-color"], env)
        #expect(s2 == 0, "\(o2)")
        #expect(o2.contains("version 1 → 2"))
        #expect(o2.contains("db/migrations/0002_idx.up.sql:3: error[create-index-without-concurrently]"), "\(o2)")
        #expect(o2.contains("dry run on a shadow database: 1 migration applied cleanly"))
        #expect(!o2.contains(Servers.pgPassword))

        let (s3, o3) = try await OGFBinary.run(["plan", "-C", p.root, "prod", "--no-color"], env)
        #expect(s3 == 1)
        #expect(o3.contains("db/migrations/0002_idx.up.sql:3:"), "\(o3)")
        #expect(o3.contains("blocks apply in a protected environment"))
        #expect(try Servers.connect(db).query("SELECT to_regclass('t_at_idx') IS NULL").firstValue == "t")
    }
}
