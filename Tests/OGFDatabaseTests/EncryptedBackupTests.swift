import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// The chunked AES-256-GCM format on its own: round trip, and every way a file can be damaged.
@Suite struct BackupCipherTests {
    static let key = "backup-key-canary-0123456789abcdef0123456789"

    func temp(_ data: Data) throws -> String {
        let p = NSTemporaryDirectory() + "ogf-cipher-\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    func encrypt(_ plain: Data, chunk: Int = 1000) throws -> Data {
        let src = try temp(plain), dst = try temp(Data())
        defer { try? FileManager.default.removeItem(atPath: src); try? FileManager.default.removeItem(atPath: dst) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dst))
        try BackupCipher(key: Self.key, chunkSize: chunk).encrypt(from: FileHandle(forReadingAtPath: src)!, to: out)
        try out.close()
        return try Data(contentsOf: URL(fileURLWithPath: dst))
    }

    func decrypt(_ data: Data, key: String = key) throws -> Data {
        let src = try temp(data)
        defer { try? FileManager.default.removeItem(atPath: src) }
        var out = Data()
        try BackupCipher(key: key).decrypt(from: FileHandle(forReadingAtPath: src)!) { out.append($0) }
        return out
    }

    @Test func roundTripsAnySizeIncludingEmptyAndExactChunks() throws {
        for n in [0, 1, 999, 1000, 1001, 5000, 12345] {
            let plain = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            let enc = try encrypt(plain)
            #expect(try decrypt(enc) == plain, "size \(n)")
            #expect(enc.count == 60 + max(1, (n + 999) / 1000) * 20 + n, "size \(n)")
        }
    }

    @Test func keyIsNotInTheFileAndTwoFilesDiffer() throws {
        let plain = Data(repeating: 65, count: 3000)
        let a = try encrypt(plain), b = try encrypt(plain)
        #expect(a != b)
        #expect(a.range(of: Data(Self.key.utf8)) == nil)
        #expect(a.range(of: Data(repeating: 65, count: 16)) == nil)
    }

    @Test func wrongKeyTruncationReorderingAndAppendingFail() throws {
        let plain = Data((0..<3500).map { UInt8(truncatingIfNeeded: $0) })
        let enc = try encrypt(plain)
        let chunk = 4 + 1000 + 16
        #expect { try decrypt(enc, key: "another-key-0123456789abcdef0123456789") } throws: { "\($0)".hasPrefix("wrong key") }
        // Cut after two whole chunks: no chunk was sealed as the last one.
        #expect { try decrypt(enc.prefix(60 + 2 * chunk)) } throws: { "\($0)".contains("truncated") }
        // Cut inside a chunk.
        #expect { try decrypt(enc.prefix(60 + chunk + 500)) } throws: { "\($0)".contains("truncated") }
        // Swap chunks 0 and 1.
        var swapped = enc.prefix(60)
        swapped += enc.subdata(in: (60 + chunk)..<(60 + 2 * chunk)) + enc.subdata(in: 60..<(60 + chunk)) + enc.suffix(from: 60 + 2 * chunk)
        #expect { try decrypt(swapped) } throws: { "\($0)".contains("chunk 0 failed authentication") }
        // Bytes after the last chunk.
        #expect { try decrypt(enc + enc.suffix(chunk)) } throws: { "\($0)".contains("reordered or altered") }
        // One flipped bit.
        var flipped = enc
        flipped[60 + chunk + 10] ^= 1
        #expect { try decrypt(flipped) } throws: { "\($0)".contains("chunk 1") }
        // An altered header (chunk size) fails every chunk's authentication.
        var header = enc
        header[11] ^= 0x01
        #expect { try decrypt(header) } throws: { _ in true }
        #expect(try decrypt(enc) == plain)
    }
}

/// postgres_backup with encrypt_with against the real PostgreSQL, pg_dump and pg_restore.
@Suite(.serialized) struct EncryptedBackupTests {
    let kind = PostgresBackupKind(processes: SpawnProcessRunner())
    static let key = "backup-key-canary-0123456789abcdef0123456789"

    @Test func encryptedBackupRestoresRealRowsAndAWrongKeyIsRefused() async throws {
        let db = try Servers.freshDatabase("sec_enc")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        let conn = try Servers.connect(db)
        try conn.execute("CREATE TABLE readings (id int PRIMARY KEY, site text, kwh numeric); INSERT INTO readings SELECT g, 'site ' || g, g * 1.5 FROM generate_series(1, 2000) g")

        let r = try await kind.apply(["url": .sensitive(.string(Servers.url(db))), "dir": "backups/test", "encrypt_with": .sensitive(.string(Self.key))], p.context())
        let path = try #require(r.outputs["path"]?.stringValue)
        #expect(path.hasSuffix(".dump.enc"))
        #expect(r.outputs["encrypted"] == true)
        #expect((r.outputs["toc_entries"]?.intValue ?? 0) >= 3)
        #expect(r.outputs["encryption_key"] == .sensitive(.string(Self.key)))   // the engine stores it as a salted hash
        let abs = p.root + "/" + path
        #expect(try FileManager.default.attributesOfItem(atPath: abs)[.posixPermissions] as? Int == 0o600)
        #expect(BackupCipher.isEncrypted(abs))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: abs))
        #expect(bytes.range(of: Data("site 1999".utf8)) == nil)
        #expect(bytes.range(of: Data("PGDMP".utf8)) == nil)
        #expect(bytes.range(of: Data(Self.key.utf8)) == nil)
        // Only the encrypted file is left: no plaintext dump next to it.
        let left = try FileManager.default.contentsOfDirectory(atPath: p.root + "/backups/test")
        #expect(left == [(path as NSString).lastPathComponent])

        try conn.execute("DELETE FROM readings WHERE id > 5; UPDATE readings SET site = 'lost'")
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: ProcessInfo.processInfo.environment)
        let url = try #require(DatabaseURL(Servers.url(db)))
        await #expect { try await tools.restore(abs, into: url, cipher: BackupCipher(key: "not-the-key-0123456789abcdef0123456789")) }
            throws: { "\($0)".contains("wrong key") && !"\($0)".contains(Self.key) }
        #expect(try Servers.connect(db).query("SELECT count(*) FROM readings").firstValue == "5")
        #expect(try await tools.verify(abs, url: url, cipher: BackupCipher(key: Self.key)) >= 3)
        try await tools.restore(abs, into: url, cipher: BackupCipher(key: Self.key))
        let check = try Servers.connect(db)
        #expect(try check.query("SELECT count(*), count(*) FILTER (WHERE site LIKE 'site %'), sum(kwh) FROM readings").rows[0] == ["2000", "2000", "3001500.0"])
    }

    @Test func aTruncatedEncryptedBackupFailsVerification() async throws {
        let db = try Servers.freshDatabase("sec_enc")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try Servers.connect(db).execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100)")
        let r = try await kind.apply(["url": .sensitive(.string(Servers.url(db))), "encrypt_with": .sensitive(.string(Self.key))], p.context())
        let abs = p.root + "/" + (r.outputs["path"]?.stringValue ?? "")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: abs))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: abs))
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: ProcessInfo.processInfo.environment)
        await #expect { try await tools.verify(abs, url: DatabaseURL(Servers.url(db))!, cipher: BackupCipher(key: Self.key)) }
            throws: { "\($0)".contains("truncated") }
    }

    @Test func keyMustBeASecretOfAtLeast32Characters() async throws {
        let p = try Project()
        defer { p.cleanup() }
        let plain = await kind.applyFailure(["url": .sensitive(.string(Servers.url("x"))), "encrypt_with": .string(Self.key)], p.context())?.message
        #expect(plain?.contains("must come from a secret") == true)
        let short = await kind.applyFailure(["url": .sensitive(.string(Servers.url("x"))), "encrypt_with": .sensitive(.string("short-key"))], p.context())?.message
        #expect(short?.contains("9 characters; use at least 32") == true)
        #expect(short?.contains("short-key") == false)
    }
}

/// `ogf apply` then `ogf db restore` of an encrypted backup through the built binary: real rows back,
/// a wrong key refused before anything changes, and the key nowhere in output or state.
@Suite(.serialized) struct EncryptedRestoreCommandTests {
    @Test func restoreDecryptsAndAWrongKeyIsRefused() async throws {
        let key = "ogf-sec-backup-key-canary-0123456789abcdef"
        let db = try Servers.freshDatabase("sec_encrestore")
        defer { Servers.drop(db) }
        let p = try Project()
        defer { p.cleanup() }
        try p.environment("staging", """
            environment: staging
            protected: false
            resources:
              postgres_backup.main:
                url: "${secret.RESTORE_DB_URL}"
                encrypt_with: "${secret.BACKUP_KEY}"
            """)
        var env = ProcessInfo.processInfo.environment
        env["RESTORE_DB_URL"] = Servers.url(db)
        env["BACKUP_KEY"] = key
        let conn = try Servers.connect(db)
        try conn.execute("CREATE TABLE meters (id int PRIMARY KEY, serial text); INSERT INTO meters SELECT g, 'M-' || g FROM generate_series(1, 300) g")

        let (s1, o1) = try await OGFBinary.run(["apply", "-C", p.root, "staging", "--auto-approve", "--no-color"], env)
        try #require(s1 == 0, "\(o1)")
        #expect(o1.contains(".dump.enc"))
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: p.root + "/backups/staging").first)
        let state = try String(contentsOfFile: p.root + "/state/staging.json", encoding: .utf8)
        #expect(!state.contains(key) && !o1.contains(key))
        try conn.execute("DELETE FROM meters WHERE id > 10")

        var wrong = env
        wrong["BACKUP_KEY"] = "not-the-backup-key-0123456789abcdef0123"
        let (s2, o2) = try await OGFBinary.run(["db", "restore", "-C", p.root, "staging", file, "--auto-approve", "--no-color"], wrong)
        #expect(s2 == 1)
        #expect(o2.contains("wrong key"), "\(o2)")
        #expect(try conn.query("SELECT count(*) FROM meters").firstValue == "10")

        let (s3, o3) = try await OGFBinary.run(["db", "restore", "-C", p.root, "staging", file, "--auto-approve", "--no-color"], env)
        #expect(s3 == 0, "\(o3)")
        #expect(o3.contains("on the decrypted backup") && o3.contains("matches the SHA-256 recorded"))
        #expect(!o3.contains(key))
        #expect(try Servers.connect(db).query("SELECT count(*), min(serial), max(id) FROM meters").rows[0] == ["300", "M-1", "300"])
    }
}
