import Crypto
import Foundation
import OGFSupport

/// pg_dump and pg_restore, run as processes (they are the backup tools; libpq is for the rest).
/// The password goes through PGPASSWORD, never the command line.
public struct PostgresTools: Sendable {
    public var runner: any ProcessRunner
    public var pgDump: String
    public var pgRestore: String
    public var environment: [String: String]

    public init(runner: any ProcessRunner, pgDump: String = "pg_dump", pgRestore: String = "pg_restore", environment: [String: String]) {
        self.runner = runner
        self.pgDump = pgDump
        self.pgRestore = pgRestore
        self.environment = environment
    }

    public struct ToolError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    func env(for url: DatabaseURL) -> [String: String] {
        var e = environment
        if let p = url.password { e["PGPASSWORD"] = p }
        return e
    }

    /// Runs a tool and fails with its (masked) output when it does not exit 0.
    @discardableResult
    func run(_ argv: [String], url: DatabaseURL, timeout: Double? = nil) async throws -> String {
        let r: ProcessResult
        do {
            r = try await runner.run(argv, directory: FileManager.default.currentDirectoryPath, environment: env(for: url), timeout: timeout)
        } catch {
            throw ToolError(description: "\(error)")
        }
        let out = DatabaseURL.mask(r.outputTail, password: url.password).trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.exitCode == 0, r.signal == nil else {
            let why = r.timedOut ? "timed out" : r.signal.map { "killed by signal \($0)" } ?? "exited with code \(r.exitCode)"
            throw ToolError(description: "\((argv[0] as NSString).lastPathComponent) \(why)" + (out.isEmpty ? "" : ": \(out)"))
        }
        return out
    }

    /// `pg_dump (PostgreSQL) 15.18 (Debian ...)` → 15.
    public func dumpMajorVersion() async throws -> (major: Int, text: String) {
        let r = try await runner.run([pgDump, "--version"], directory: "/", environment: environment, timeout: 30)
        let text = r.outputTail.trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.exitCode == 0, let major = Self.major(text) else {
            throw ToolError(description: "cannot run \(pgDump) --version: \(text.isEmpty ? "exit \(r.exitCode)" : text) (install postgresql-client)")
        }
        return (major, text)
    }

    static func major(_ versionText: String) -> Int? {
        for word in versionText.split(separator: " ") {
            if let first = word.split(separator: ".").first, let m = Int(first), word.contains(".") || m >= 10 { return m }
        }
        return nil
    }

    /// A custom-format dump of the whole database; stopped and failed after `timeout` seconds.
    public func dump(_ url: DatabaseURL, to file: String, timeout: Double? = nil) async throws {
        try await run([pgDump, "--format=custom", "--no-password", "--file=\(file)", "--dbname=\(url.withoutPassword)"], url: url, timeout: timeout)
    }

    /// A plain-SQL dump of the schema only (no data, owners or grants), for the shadow database.
    public func dumpSchema(_ url: DatabaseURL, to file: String) async throws {
        try await run([pgDump, "--schema-only", "--no-owner", "--no-privileges", "--no-password", "--file=\(file)",
                       "--dbname=\(url.withoutPassword)"], url: url)
    }

    /// `pg_restore --list`: reads the archive's header and table of contents; returns its entry count.
    public func verify(_ file: String, url: DatabaseURL) async throws -> Int {
        let list = file + ".list"
        defer { try? FileManager.default.removeItem(atPath: list) }
        try await run([pgRestore, "--list", "--file=\(list)", file], url: url)
        let text = (try? String(contentsOfFile: list, encoding: .utf8)) ?? ""
        // An empty database has no entries, so the proof of a readable archive is its header.
        guard text.contains("Format: CUSTOM") else { throw ToolError(description: "pg_restore --list did not read a custom-format archive header in \(file)") }
        return text.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
    }

    /// `verify` of an encrypted backup runs on its decrypted content (a private file, removed after).
    public func verify(_ file: String, url: DatabaseURL, cipher: BackupCipher?) async throws -> Int {
        guard let cipher else { return try await verify(file, url: url) }
        return try await DecryptedStream.with(file, cipher: cipher) { try await verify($0, url: url) }
    }

    /// `restore` of an encrypted backup, reading its decrypted stream.
    public func restore(_ file: String, into url: DatabaseURL, cipher: BackupCipher?) async throws {
        guard let cipher else { return try await restore(file, into: url) }
        try await DecryptedStream.with(file, cipher: cipher) { try await restore($0, into: url) }
    }

    /// Restores a custom-format dump over the database, in one transaction: objects in the dump
    /// are dropped and recreated; on any error nothing changes.
    public func restore(_ file: String, into url: DatabaseURL) async throws {
        try await run([pgRestore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--no-password",
                       "--dbname=\(url.withoutPassword)", file], url: url)
    }

    /// SHA-256 of a file, read in chunks.
    public static func sha256(_ path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw ToolError(description: "cannot read \(path)") }
        defer { try? h.close() }
        var hasher = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
