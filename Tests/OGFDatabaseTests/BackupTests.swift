import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// postgres_backup and restore against the real PostgreSQL and the real pg_dump / pg_restore.
@Suite(.serialized) struct BackupTests {
    let kind = PostgresBackupKind(processes: SpawnProcessRunner())

    @Test func backupVerifyAndRestoreRoundTripWithRealRows() async throws {
        let db = try Servers.freshDatabase("backup")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        let conn = try Servers.connect(db)
        try conn.execute("CREATE TABLE sites (id int PRIMARY KEY, name text); INSERT INTO sites SELECT g, 'site ' || g FROM generate_series(1, 500) g")
        try p.write("0001_sites.up.sql", "CREATE TABLE sites (id int PRIMARY KEY, name text);\n")
        // A history that says version 1 is applied (as postgres_schema would have written).
        let m = Migrator(history: MigrationHistory(), lockTimeout: 5, statementTimeout: 60, appliedBy: "t", ogfVersion: "t")
        try conn.execute(m.history.createSQL)
        let file = try MigrationFolder.read(p.folder, root: p.root).0.migrations[0]
        try conn.query(m.history.insertSQL, m.insertParams(file, start: nil))

        let r = try await kind.apply(["url": .sensitive(.string(Servers.url(db))), "dir": "backups/test"], p.context())
        let path = try #require(r.outputs["path"]?.stringValue)
        #expect(path.hasPrefix("backups/test/\(db)-") && path.hasSuffix("-v1.dump"))
        let abs = p.root + "/" + path
        // A dump holds every row: private to the deploying account.
        #expect(try FileManager.default.attributesOfItem(atPath: abs)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: p.root + "/backups/test")[.posixPermissions] as? Int == 0o700)
        #expect(r.outputs["sha256"]?.stringValue == (try PostgresTools.sha256(abs)))
        #expect(r.outputs["size_bytes"]?.intValue == (try FileManager.default.attributesOfItem(atPath: abs)[.size] as? NSNumber)?.intValue)
        #expect(r.outputs["schema_version"] == 1)
        #expect(r.outputs["server_version"]?.stringValue?.hasPrefix("15.") == true)
        #expect((r.outputs["toc_entries"]?.intValue ?? 0) >= 3)
        #expect(!FileManager.default.fileExists(atPath: abs + ".partial"))

        // Lose data, then restore it.
        try conn.execute("DELETE FROM sites WHERE id > 10; UPDATE sites SET name = 'changed'")
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: ProcessInfo.processInfo.environment)
        try await tools.restore(abs, into: DatabaseURL(Servers.url(db))!)
        let check = try Servers.connect(db)
        #expect(try check.query("SELECT count(*), count(*) FILTER (WHERE name LIKE 'site %') FROM sites").rows[0] == ["500", "500"])
        #expect(try check.query("SELECT count(*) FROM ogf_schema_migrations").firstValue == "1")
    }

    @Test func keepsTheNewestNAndOnlyThisDatabasesDumps() async throws {
        let db = try Servers.freshDatabase("keep")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try FileManager.default.createDirectory(atPath: p.root + "/backups/test", withIntermediateDirectories: true)
        try "other".write(toFile: p.root + "/backups/test/otherdb-20200101T000000.000Z-v1.dump", atomically: true, encoding: .utf8)
        var paths: [String] = []
        for _ in 0..<4 {
            let r = try await kind.apply(["url": .sensitive(.string(Servers.url(db))), "dir": "backups/test", "keep": 2], p.context())
            paths.append(r.outputs["path"]!.stringValue!)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: p.root + "/backups/test").sorted()
        #expect(left == (["otherdb-20200101T000000.000Z-v1.dump"] + paths.suffix(2).map { ($0 as NSString).lastPathComponent }).sorted())
    }

    @Test func refusesWhenPgDumpIsOlderThanTheServer() async throws {
        let db = try Servers.freshDatabase("olddump")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        let fake = p.root + "/pg_dump"
        try "#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let f = await kind.applyFailure(["url": .sensitive(.string(Servers.url(db))), "pg_dump": .string(fake)], p.context())
        #expect(f?.message.contains("refusing to back up: pg_dump (PostgreSQL) 13.4 is older than the server (PostgreSQL 15.") == true, "\(f?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/backups/test"))
    }

    @Test func plannedExactlyWhenMigrationsArePending() async throws {
        let db = try Servers.freshDatabase("when")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "CREATE TABLE a (id int);\n")
        let cfg: [String: Value] = ["url": .sensitive(.string(Servers.url(db))), "migrations": .string(p.folder)]
        let prior = okState("postgres_backup", outputs: ["path": "backups/test/x.dump"])
        let pending = try await kind.plan(cfg, p.context(), prior: prior)
        #expect(pending.action == .replace)
        #expect(pending.reasons == ["1 pending migration in db/migrations"])
        _ = try await PostgresSchemaKind(processes: SpawnProcessRunner()).apply(["url": cfg["url"]!, "migrations": .string(p.folder), "shadow": false], p.context())
        let none = try await kind.plan(cfg, p.context(), prior: prior)
        #expect(none.action == .noop)
    }

    @Test func wrongPasswordIsMaskedEverywhere() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let url = Servers.url("postgres", password: "not-the-password-xyz")
        let f = await kind.applyFailure(["url": .sensitive(.string(url))], p.context())
        let msg = try #require(f?.message)
        #expect(msg.contains("wrong password for user ogf"))
        #expect(msg.contains("postgres://ogf:****@127.0.0.1"))
        #expect(!msg.contains("not-the-password-xyz"))
    }
}
