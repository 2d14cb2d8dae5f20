import Foundation
import Testing
@testable import OGFDatabase

/// `ogf db restore ENV BACKUP` through the built binary, against the real PostgreSQL.
@Suite(.serialized) struct RestoreCommandTests {
    @Test func restoresAfterConfirmationAndRefusesATamperedFile() async throws {
        let db = try Servers.freshDatabase("restorecmd")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.environment("staging", """
            environment: staging
            protected: true
            resources:
              postgres_backup.main:
                url: "${secret.RESTORE_DB_URL}"
            """)
        var env = ProcessInfo.processInfo.environment
        env["RESTORE_DB_URL"] = Servers.url(db)
        let conn = try Servers.connect(db)
        try conn.execute("CREATE TABLE devices (id int PRIMARY KEY, serial text); INSERT INTO devices SELECT g, 'SN-' || g FROM generate_series(1, 250) g")

        let (s1, o1) = try await OGFBinary.run(["apply", "-C", p.root, "staging", "--auto-approve", "--no-color"], env)
        try #require(s1 == 0, "\(o1)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: p.root + "/backups/staging").first)
        // Nothing pending, nothing changed: no new backup, unless asked for with --replace.
        let (_, plain) = try await OGFBinary.run(["plan", "-C", p.root, "staging", "--no-color"], env)
        #expect(plain.contains("No changes"), "\(plain)")
        let (_, forced) = try await OGFBinary.run(["plan", "-C", p.root, "staging", "--replace", "postgres_backup.main", "--no-color"], env)
        #expect(forced.contains("-/+ postgres_backup.main") && forced.contains("(--replace)"), "\(forced)")
        try conn.execute("DELETE FROM devices WHERE id > 100")

        // Without a terminal and without --auto-approve it refuses.
        let (s2, o2) = try await OGFBinary.run(["db", "restore", "-C", p.root, "staging", file, "--no-color"], env)
        #expect(s2 == 1)
        #expect(o2.contains("refusing to restore without confirmation"))
        #expect(try conn.query("SELECT count(*) FROM devices").firstValue == "100")

        let (s3, o3) = try await OGFBinary.run(["db", "restore", "-C", p.root, "staging", file, "--auto-approve", "--no-color"], env)
        #expect(s3 == 0, "\(o3)")
        #expect(o3.contains("matches the SHA-256 recorded when it was taken"))
        #expect(o3.contains("postgres://ogf:****@127.0.0.1"))
        #expect(!o3.contains(Servers.pgPassword))
        #expect(try Servers.connect(db).query("SELECT count(*) FROM devices").firstValue == "250")

        // A file that changed since it was recorded is refused.
        let path = p.root + "/backups/staging/" + file
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data("tampered".utf8))
        try h.close()
        let (s4, o4) = try await OGFBinary.run(["db", "restore", "-C", p.root, "staging", file, "--auto-approve", "--no-color"], env)
        #expect(s4 == 1)
        #expect(o4.contains("does not match the SHA-256 recorded"), "\(o4)")
    }
}
