import Foundation
import OGFCore
import OGFRecords
@testable import OGFStatePostgres
import Testing

/// The audit log in the state schema, against the real PostgreSQL 15; each test has its own schema.
@Suite(.serialized, .enabled(if: PG.enabled)) struct PostgresAuditLogTests {
    func log(_ schema: String, env: String = "prod", user: String = "alice") -> PostgresAuditLog {
        PostgresAuditLog(backend: PostgresStateBackend(url: PG.url, schema: schema, environment: env), user: user, host: "ci-1")
    }

    func sql(_ schema: String, _ text: String, _ params: [String?] = []) throws -> [[String?]] {
        let c = try StateConnection(url: PG.url, password: nil)
        return try c.query(text.replacingOccurrences(of: "S.", with: "\(schema)."), params)
    }

    @Test func appendsChainAndVerifyAndTheTableIsAppendOnly() throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let l = log(schema)
        #expect(try l.verify() == .intact(entries: 0))
        #expect(try l.transcript() == nil)
        try l.append(AuditDraft(command: "plan -out plan.out", planHash: "h1", outcome: "saved"))
        try l.append(AuditDraft(command: "apply", planHash: "h1", outcome: "succeeded"))
        try log(schema, env: "staging").append(AuditDraft(command: "apply", outcome: "failed"))
        let entries = try l.entries().compactMap { $0 }
        #expect(entries.map(\.seq) == [1, 2])
        #expect(entries.map(\.command) == ["plan -out plan.out", "apply"])
        #expect(entries[1].prev == ContentHash.sha256(try l.lines()[0]))
        #expect(try l.verify() == .intact(entries: 2))
        #expect(try log(schema, env: "staging").verify() == .intact(entries: 1), "environments have their own chains")
        // Rows are never changed nor removed, by any role.
        for stmt in ["UPDATE S.audit SET line = 'x'", "DELETE FROM S.audit", "TRUNCATE S.audit"] {
            do {
                _ = try sql(schema, stmt)
                Issue.record("\(stmt) was allowed")
            } catch let e as StateDatabaseError {
                #expect(e.message.contains("append-only"), "\(e)")
            }
        }
        #expect(try l.verify() == .intact(entries: 2))
    }

    @Test func anOwnerWhoDisablesTheTriggerAndEditsIsCaught() throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let l = log(schema)
        for i in 1...3 { try l.append(AuditDraft(command: "apply", outcome: "succeeded", detail: "run \(i)")) }
        let original = try l.lines()
        _ = try sql(schema, "ALTER TABLE S.audit DISABLE TRIGGER USER")
        // An edited line.
        _ = try sql(schema, "UPDATE S.audit SET line = replace(line, 'run 2', 'run 9') WHERE seq = 2")
        guard case .broken(let line, let reason) = try l.verify() else { Issue.record("an edit verified"); return }
        #expect(line == 2, "\(reason)")
        _ = try sql(schema, "UPDATE S.audit SET line = $1 WHERE seq = 2", [original[1]])
        #expect(try l.verify() == .intact(entries: 3))
        // The last entry removed: the head says there were three.
        _ = try sql(schema, "DELETE FROM S.audit WHERE seq = 3")
        guard case .broken(let at, let why) = try l.verify() else { Issue.record("a removal verified"); return }
        #expect(at == 3 && why.contains("removed"), "\(why)")
    }

    @Test func concurrentAppendsFromTwoSessionsKeepOneChain() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        try log(schema).append(AuditDraft(command: "first", outcome: "succeeded"))  // creates the tables once
        await withTaskGroup(of: Void.self) { g in
            for w in 0..<4 {
                g.addTask {
                    await Task.detached {
                        for i in 0..<5 { _ = try? log(schema, user: "u\(w)").append(AuditDraft(command: "c\(w)-\(i)", outcome: "succeeded")) }
                    }.value
                }
            }
        }
        #expect(try log(schema).verify() == .intact(entries: 21))
        #expect(Set(try log(schema).entries().compactMap { $0?.command }).count == 21)
    }

    @Test func aLogMovesBetweenFileAndPostgresUnchangedAndRoundTripsContinue() throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let dir = NSTemporaryDirectory() + "ogf-audit-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = FileAuditLog(directory: dir, environment: "prod", user: "alice", host: "laptop")
        try file.append(AuditDraft(command: "apply", outcome: "succeeded"))
        try file.append(AuditDraft(command: "force-unlock 1", outcome: "succeeded"))
        let pg = log(schema)
        let t1 = try #require(try file.transcript())
        #expect(try pg.adopt(t1) == 2)
        #expect(try pg.transcript() == t1, "the same lines under the same key")
        #expect(try pg.verify() == .intact(entries: 2))
        #expect(try pg.adopt(t1) == 0, "a re-run adds nothing")
        // The team appends in PostgreSQL; moving back appends only what the file lacks.
        try pg.append(AuditDraft(command: "apply", outcome: "failed"))
        #expect(try file.adopt(try #require(try pg.transcript())) == 1)
        #expect(try file.verify() == .intact(entries: 3))
        #expect(try file.lines() == (try pg.lines()))
        // Another log (another key) in the target is never mixed in.
        let other = log(schema, env: "other")
        try other.append(AuditDraft(command: "apply", outcome: "succeeded"))
        do {
            try other.adopt(t1)
            Issue.record("two different logs were mixed")
        } catch {
            #expect("\(error)".contains("another audit log"), "\(error)")
        }
        #expect(try other.verify() == .intact(entries: 1))
    }

    @Test func aVersionOneSchemaIsUpgradedInPlaceKeepingItsState() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        // The layout an ogf of the first version left, with one environment in it.
        let c = try StateConnection(url: PG.url, password: nil)
        try c.query("CREATE SCHEMA \(schema)")
        try c.query("CREATE TABLE \(schema).ogf_meta (key text PRIMARY KEY, value text NOT NULL)")
        for stmt in PostgresStateSchema.upgrades(schema)[0] { try c.query(stmt) }
        try c.query("INSERT INTO \(schema).ogf_meta VALUES ('schema_version', '1')")
        try c.query("INSERT INTO \(schema).environments (name, lineage, serial, secret_salt, format_version, ogf_version) VALUES ('prod', 'lin-1', 7, 'salt', 1, 'old')")
        let backend = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        let state = try #require(try await backend.read())
        #expect(state.lineage == "lin-1" && state.serial == 7)
        #expect(try c.query("SELECT value FROM \(schema).ogf_meta WHERE key = 'schema_version'").first?.first == "\(PostgresStateSchema.version)")
        try log(schema).append(AuditDraft(command: "apply", outcome: "succeeded"))
        #expect(try log(schema).verify() == .intact(entries: 1))
    }
}
