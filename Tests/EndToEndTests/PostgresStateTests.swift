import Foundation
import OGFTestSupport
import Testing

/// The postgres state backend end to end, against the PostgreSQL of scripts/services/postgres.sh.
/// Every test uses its own schema `ogf_state_e2e_*` (dropped afterwards); without
/// OGF_TEST_SERVERS=1 they do not run, with it a server that cannot be reached fails them.
enum StatePG {
    static let enabled = ProcessInfo.processInfo.environment["OGF_TEST_SERVERS"] == "1"
    static let url = "postgres://ogf:ogf-local-pg-pass@127.0.0.1:55432/offgridflow_local"
    static let password = "ogf-local-pg-pass"

    static func newSchema() -> String { "ogf_state_e2e_" + UUID().uuidString.prefix(8).lowercased() }

    /// psql as a role (default the app role ogf), failing the test on an error.
    @discardableResult
    static func psql(_ sql: String, user: String = "ogf", password: String = "ogf-local-pg-pass", database: String = "offgridflow_local") async throws -> String {
        let r = try await Child.run(onPath: psqlArguments(sql, user: user, database: database),
                                    environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PGPASSWORD": password])
        guard r.code == 0 else {
            throw NSError(domain: "psql", code: Int(r.code), userInfo: [NSLocalizedDescriptionKey: r.errText])
        }
        return r.outText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func psqlArguments(_ sql: String, user: String, database: String) -> [String] {
        ["psql", "-h", "127.0.0.1", "-p", "55432", "-U", user, "-d", database, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
    }

    /// Drops a test's schema, without waiting: it runs in a `defer` (no await there), and a
    /// psql waited for there held a thread of the cooperative pool (for seconds, seen with gdb,
    /// when the DROP waited for a killed apply's session to end). Foundation reaps the child.
    static func drop(_ schema: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = psqlArguments("DROP SCHEMA IF EXISTS \(schema) CASCADE", user: "ogf", database: "offgridflow_local")
        p.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PGPASSWORD": password]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try? p.run()
    }

    /// An environment keeping its state in `schema`; the URL comes from a secret.
    static func envFile(_ schema: String, resources: String, url: String = "${secret.OGF_STATE_URL}") -> String {
        """
        state:
          backend: postgres
          url: "\(url)"
          schema: \(schema)
        resources:
        \(resources)
        """
    }

    static let env = ["OGF_STATE_URL": url]
}

@Suite(.serialized, .enabled(if: StatePG.enabled)) struct PostgresStateEndToEndTests {
    @Test func applyPlanAndStateCommandsWorkOnPostgresAndNoFileAppears() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let p = try Project(["environments/pg.yaml": StatePG.envFile(schema, resources: """
              exec.a:
                command: [sh, -c, "echo a"]
              exec.b:
                command: [sh, -c, "echo b $1", x, "${secret.APP_TOKEN}"]
                depends_on: [exec.a]
            """)])
        let token = "app-token-canary-5d1e0c"
        let env = StatePG.env.merging(["APP_TOKEN": token]) { $1 }
        let apply = try await p.run(["apply", "pg", "--auto-approve"], env: env)
        #expect(apply.code == 0, "\(apply.all)")
        #expect(apply.out.contains("Apply complete: 2 succeeded."), "\(apply.all)")
        // The rows hold what the file would: the secret only as a salted hash, no URL password.
        let stored = try await StatePG.psql("""
            SELECT coalesce(string_agg(body, ''), '') FROM \(schema).resources
            UNION ALL SELECT coalesce(string_agg(body, ''), '') FROM \(schema).history
            UNION ALL SELECT coalesce(string_agg(e::text, ''), '') FROM \(schema).environments e
            """)
        #expect(stored.contains("hmac-sha256:"), "\(stored)")
        #expect(!stored.contains(token))
        #expect(!stored.contains(StatePG.password))
        #expect(!FileManager.default.fileExists(atPath: p.root + "/state/pg.json"), "the file backend is not used")
        #expect(try await StatePG.psql("SELECT count(*) FROM \(schema).resources WHERE environment = 'pg'") == "2")
        let list = try await p.run(["state", "list", "pg"], env: env)
        #expect(list.out == "exec.a\nexec.b\n", "\(list.all)")
        let show = try await p.run(["state", "show", "pg", "exec.b"], env: env)
        #expect(show.out.contains("output_tail"), "\(show.all)")
        let again = try await p.run(["plan", "pg", "-detailed-exitcode"], env: env)
        #expect(again.code == 0, "\(again.all)")
        for r in [apply, list, show, again] {
            #expect(!r.all.contains(StatePG.password))
            #expect(!r.all.contains(token))
        }
        #expect(try await StatePG.psql("SELECT count(*) FROM \(schema).locks") == "0", "a released lock leaves no row")
        // The audit log is beside the state, in the same schema: no file appears.
        #expect(try await StatePG.psql("SELECT count(*) FROM \(schema).audit WHERE environment = 'pg'") == "2", "started, then succeeded")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/state/pg.audit.jsonl"))
        let verify = try await p.run(["audit", "verify", "pg"], env: env)
        #expect(verify.code == 0 && verify.out.contains("intact: 2 entries"), "\(verify.all)")
        let audit = try await p.run(["audit", "list", "pg"], env: env)
        #expect(audit.out.contains("  apply  succeeded"), "\(audit.all)")
    }

    @Test func secondProcessNamesTheHolderWithinASecondAndForceUnlockWorks() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let config = StatePG.envFile(schema, resources: "  exec.slow:\n    command: [sleep, \"20\"]\n")
        let first = try Project(["environments/team.yaml": config])
        let second = try Project(["environments/team.yaml": config])  // another checkout, same environment
        let proc = try first.start(["apply", "team", "--auto-approve"], env: StatePG.env.merging(["USER": "alice"]) { $1 })
        defer { proc.signal(SIGKILL) }  // no await in a defer: the child is reaped by Foundation
        #expect(await first.waitFor(15) { (try? await StatePG.psql("SELECT count(*) FROM \(schema).history")) == "1" }, "the first apply started")
        let t0 = Date()
        let blocked = try await second.run(["plan", "team"], env: StatePG.env)
        let took = Date().timeIntervalSince(t0)
        #expect(blocked.code == 1)
        #expect(blocked.err.contains("the state is locked by alice@"), "\(blocked.all)")
        #expect(blocked.err.contains("running \"apply\""), "\(blocked.all)")
        // The holder sleeps 20 s: a plan that waited would take that long. Process start and
        // config load are included, on a loaded two-core machine.
        #expect(took < 10, "named the holder in \(took) s")
        // force-unlock with the printed id ends the holder's session; the second checkout proceeds.
        let id = try #require(blocked.err.range(of: #"lock id ([0-9a-f-]{36})"#, options: .regularExpression).map { String(blocked.err[$0].dropFirst(8)) })
        let unlock = try await second.run(["force-unlock", "team", id], env: StatePG.env)
        #expect(unlock.code == 0, "\(unlock.all)")
        #expect(unlock.out.contains("held by alice@"))
        let plan = try await second.run(["plan", "team"], env: StatePG.env)
        #expect(plan.code == 0, "\(plan.all)")
    }

    @Test func killNineMidApplyReleasesTheLockAtOnceAndKeepsFinishedRows() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let p = try Project(["environments/k.yaml": StatePG.envFile(schema, resources: """
              exec.one:
                command: [sh, -c, "echo one"]
              exec.two:
                command: [sh, -c, "echo two"]
              exec.slow:
                command: [sleep, "20"]
                depends_on: [exec.one, exec.two]
            """)])
        let proc = try p.start(["apply", "k", "--auto-approve"], env: StatePG.env)
        #expect(await p.waitFor(15) { (try? await StatePG.psql("SELECT count(*) FROM \(schema).resources WHERE environment = 'k'")) == "2" })
        proc.signal(SIGKILL)
        _ = await p.finish(proc)
        let killedAt = Date()
        // No --lock-timeout: the lock must already be free (the server ends the killed session).
        let plan = try await p.run(["plan", "k", "-detailed-exitcode"], env: StatePG.env)
        #expect(Date().timeIntervalSince(killedAt) < 10, "the server freed the lock when it ended the session, not a heartbeat timeout later")
        #expect(plan.code == 2, "\(plan.all)")
        #expect(plan.out.contains("Plan: 1 to add, 0 to change, 0 to destroy, 0 checks."), "exactly the unfinished work\n\(plan.out)")
        #expect(plan.out.contains("exec.slow will be created"), "\(plan.out)")
        #expect(plan.err.contains("ended without releasing its lock"), "\(plan.err)")
        let list = try await p.run(["state", "list", "k"], env: StatePG.env)
        #expect(list.out == "exec.one\nexec.two\n")
    }

    @Test func aSavedPlanIsRefusedAfterAnotherApplyMovedTheSerial() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let a = try Project(["environments/s.yaml": StatePG.envFile(schema, resources: "  exec.a:\n    command: [sh, -c, \"echo a\"]\n")])
        let b = try Project(["environments/s.yaml": StatePG.envFile(schema, resources: "  exec.a:\n    command: [sh, -c, \"echo a\"]\n  exec.b:\n    command: [sh, -c, \"echo b\"]\n")])
        #expect(try await a.run(["plan", "s", "-out", "p.out"], env: StatePG.env).code == 0)
        let other = try await b.run(["apply", "s", "--auto-approve"], env: StatePG.env)
        #expect(other.code == 0, "\(other.all)")
        let stale = try await a.run(["apply", "p.out"], env: StatePG.env)
        #expect(stale.code == 1)
        #expect(stale.err.contains("the saved plan is stale: the state of s changed since it was made (serial"), "\(stale.all)")
        #expect(!(a.read("p.out") ?? "").contains(StatePG.password))
    }

    @Test func migrateFileToPostgresAndBackIsByteEqual() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let resources = "  exec.a:\n    command: [sh, -c, \"echo a\"]\n  exec.b:\n    command: [sh, -c, \"echo b\"]\n    depends_on: [exec.a]\n"
        let p = try Project(["environments/m.yaml": "resources:\n" + resources])
        #expect(try await p.run("apply", "m", "--auto-approve").code == 0)
        let original = try #require(p.read("state/m.json"))
        try p.write("environments/m.yaml", StatePG.envFile(schema, resources: resources))
        // Configured for postgres but not migrated yet: refused, not an empty state.
        let early = try await p.run(["plan", "m"], env: StatePG.env)
        #expect(early.code == 1)
        #expect(early.err.contains("ogf state migrate m --to postgres"), "\(early.all)")
        let up = try await p.run(["state", "migrate", "m", "--to", "postgres"], env: StatePG.env)
        #expect(up.code == 0, "\(up.all)")
        #expect(up.out.contains("verified"))
        #expect(p.read("state/m.json") == nil)
        #expect(p.read("state/m.json.moved-to-postgres") == original, "the source is kept, untouched")
        let rerun = try await p.run(["state", "migrate", "m", "--to", "postgres"], env: StatePG.env)
        #expect(rerun.code == 0 && rerun.out.contains("already"), "\(rerun.all)")
        let plan = try await p.run(["plan", "m", "-detailed-exitcode"], env: StatePG.env)
        #expect(plan.code == 0, "the same state, so no changes\n\(plan.all)")
        // The audit log came along (the file apply's started and succeeded), then one written in PostgreSQL.
        #expect(up.out.contains("audit log: 2 entries (2 copied now), read back identical"), "\(up.all)")
        #expect(try await p.run(["audit", "verify", "m"], env: StatePG.env).out.contains("intact: 2 entries"))
        #expect(try await p.run(["plan", "m", "-out", "plan-m.out"], env: StatePG.env).code == 0)
        #expect(try await StatePG.psql("SELECT count(*) FROM \(schema).audit WHERE environment = 'm'") == "3")
        let down = try await p.run(["state", "migrate", "m", "--to", "file"], env: StatePG.env)
        #expect(down.code == 0, "\(down.all)")
        #expect(down.out.contains("audit log: 3 entries (1 copied now), read back identical"), "\(down.all)")
        #expect(p.read("state/m.json") == original, "byte-equal after the round trip")
        // The postgres copy is retired: commands refuse it until the section goes.
        let refused = try await p.run(["plan", "m"], env: StatePG.env)
        #expect(refused.code == 1)
        #expect(refused.err.contains("was moved to state/m.json"), "\(refused.all)")
        try p.write("environments/m.yaml", "resources:\n" + resources)
        #expect(try await p.run("plan", "m", "-detailed-exitcode").code == 0)
        let verified = try await p.run("audit", "verify", "m")
        #expect(verified.code == 0 && verified.out.contains("intact: 3 entries"), "the file log holds both and verifies\n\(verified.all)")
        for r in [up, down, plan, refused] { #expect(!r.all.contains(StatePG.password)) }
    }

    @Test func wrongPasswordUnreachableServerAndNewerSchemaAreClearErrors() async throws {
        let schema = StatePG.newSchema()
        defer { StatePG.drop(schema) }
        let canary = "canary-Pw-7f3a9c"
        let p = try Project(["environments/f.yaml": StatePG.envFile(schema, resources: "  exec.a:\n    command: [\"true\"]\n")])
        let wrong = try await p.run(["plan", "f"], env: ["OGF_STATE_URL": "postgres://ogf:\(canary)@127.0.0.1:55432/offgridflow_local"])
        #expect(wrong.code == 1)
        #expect(wrong.err.contains("password authentication failed"), "\(wrong.all)")
        #expect(!wrong.all.contains(canary), "the password never shows")
        let down = try await p.run(["plan", "f"], env: ["OGF_STATE_URL": "postgres://ogf:\(canary)@127.0.0.1:1/offgridflow_local"])
        #expect(down.code == 1)
        #expect(down.err.contains("cannot reach the state database at 127.0.0.1:1/offgridflow_local"), "\(down.all)")
        #expect(!down.all.contains(canary))
        try await StatePG.psql("CREATE SCHEMA \(schema); CREATE TABLE \(schema).ogf_meta (key text PRIMARY KEY, value text NOT NULL); INSERT INTO \(schema).ogf_meta VALUES ('schema_version', '99')")
        let newer = try await p.run(["plan", "f"], env: StatePG.env)
        #expect(newer.code == 1)
        #expect(newer.err.contains("state-backend version 99, written by a newer ogf"), "\(newer.all)")
    }

    @Test func badStateSectionsAreReportedAtTheirPosition() async throws {
        let p = try Project(["environments/b.yaml": "state:\n  backend: s3\n  schema: Bad-Name\nresources: {}\n",
                             "environments/c.yaml": "state:\n  backend: postgres\n  url: \"postgres://ogf:literal-pw@127.0.0.1/db\"\nresources: {}\n"])
        let r = try await p.run("validate", "b")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/b.yaml:2:12: error: state.backend: expected file or postgres, found \"s3\""), "\(r.err)")
        #expect(r.err.contains("environments/b.yaml:3:11: error: state.schema: expected a lower-case SQL identifier"), "\(r.err)")
        let c = try await p.run("validate", "c")
        #expect(c.code == 1)
        #expect(c.err.contains("environments/c.yaml:3:8: error: state.url: the URL carries a password in the environment file"), "\(c.err)")
        #expect(!c.err.contains("literal-pw"))
    }
}
