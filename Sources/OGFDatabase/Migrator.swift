import Foundation

/// Why a migration failed: the file, the line of the statement, the server's message.
public struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var statement: String
    public var error: PostgresError
    /// The file ran outside a transaction, so statements before the failing one stay applied.
    public var partiallyApplied: Bool

    public var location: String { "\(file):\(line)" }

    public var description: String {
        var s = "\(location): \(error)"
        s += "\n    statement: \(Self.firstLine(statement))"
        if partiallyApplied {
            s += "\n    this file ran outside a transaction (-- ogf:no-transaction): the statements before line \(line) stayed applied;"
            s += " make them idempotent (IF NOT EXISTS) before retrying, and drop any INVALID index a failed CONCURRENTLY build left"
        }
        return s
    }

    static func firstLine(_ s: String) -> String {
        let l = s.split(separator: "\n").first.map(String.init) ?? s
        return l.count > 120 ? String(l.prefix(117)) + "..." : l
    }
}

/// Who holds the migration lock, from pg_stat_activity.
public struct LockHolder: Sendable, CustomStringConvertible {
    public var pid: Int
    public var applicationName: String
    public var user: String
    public var client: String
    public var since: String

    public var description: String {
        "backend pid \(pid), \"\(applicationName)\" (user \(user) from \(client)) since \(since)"
    }
}

public struct MigrationLockTimeout: Error, Sendable, CustomStringConvertible {
    public var waited: Double
    public var holder: LockHolder?
    public var description: String {
        "another migrator holds the migration lock" + (holder.map { ": \($0)" } ?? "")
            + "; waited \(Self.seconds(waited)). Let it finish, or end that session if it is stuck."
    }
    static func seconds(_ d: Double) -> String { d < 1 ? "\(Int(d * 1000))ms" : String(format: "%.1fs", d) }
}

/// Runs migrations on one connection: one at a time, each with its history row in the same
/// transaction (one pipelined round trip), under an advisory lock.
public struct Migrator: Sendable {
    public var history: MigrationHistory
    /// SET LOCAL lock_timeout / statement_timeout, in seconds (0 = no limit).
    public var lockTimeout: Double
    public var statementTimeout: Double
    public var appliedBy: String
    public var ogfVersion: String

    public init(history: MigrationHistory, lockTimeout: Double, statementTimeout: Double, appliedBy: String, ogfVersion: String) {
        self.history = history
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
        self.appliedBy = appliedBy
        self.ogfVersion = ogfVersion
    }

    /// The advisory lock key: a fixed class (ASCII "ogf") and the history table's name hash, so
    /// two histories in one database do not block each other.
    static let lockClass = 0x6F6766

    /// Takes the migration lock, polling until `wait` seconds have passed.
    public func lock(_ c: PostgresConnection, wait: Double) async throws {
        let start = Date()
        let table = history.table
        while true {
            let got = try await c.run { try $0.query("SELECT pg_try_advisory_lock(\(Self.lockClass), hashtext($1))", [table]).firstValue == "t" }
            if got { return }
            let waited = Date().timeIntervalSince(start)
            if waited >= wait {
                let me = self
                throw MigrationLockTimeout(waited: waited, holder: try? await c.run { try me.holder($0) })
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }

    public func unlock(_ c: PostgresConnection) {
        _ = try? c.query("SELECT pg_advisory_unlock(\(Self.lockClass), hashtext($1))", [history.table])
    }

    public func holder(_ c: PostgresConnection) throws -> LockHolder? {
        let r = try c.query("""
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename, ''), coalesce(host(a.client_addr), 'local socket'),
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = \(Self.lockClass)
              AND l.objid::bigint = (hashtext($1)::bigint & 4294967295) AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, [history.table])
        guard let row = r.rows.first else { return nil }
        return LockHolder(pid: Int(row[0] ?? "") ?? 0, applicationName: row[1] ?? "", user: row[2] ?? "", client: row[3] ?? "", since: row[4] ?? "")
    }

    func settings(local: Bool) -> [String] {
        let set = local ? "SET LOCAL" : "SET"
        return ["\(set) lock_timeout = '\(Int(lockTimeout * 1000))ms'", "\(set) statement_timeout = '\(Int(statementTimeout * 1000))ms'"]
    }

    /// Applies `pending` in order. Stops at the first failure: the migrations before it stay
    /// applied (each committed on its own), the failing one is rolled back.
    /// Returns the applied migrations with their duration in milliseconds.
    public func apply(_ pending: [MigrationFile], on c: PostgresConnection, recordHistory: Bool = true,
                      progress: (MigrationFile, Int) -> Void = { _, _ in }) throws -> [(MigrationFile, Int)] {
        if recordHistory { try c.execute(history.createSQL) }
        var done: [(MigrationFile, Int)] = []
        for m in pending {
            let start = Date()
            try run(m, on: c, recordHistory: recordHistory)
            let ms = Int(Date().timeIntervalSince(start) * 1000)
            done.append((m, ms))
            progress(m, ms)
        }
        return done
    }

    func insertParams(_ m: MigrationFile, start: String?) -> [String?] {
        [String(m.version), m.name, m.checksum, start, appliedBy, ogfVersion]
    }

    /// Runs one migration, throwing `MigrationFailure` with FILE:LINE.
    public func run(_ m: MigrationFile, on c: PostgresConnection, recordHistory: Bool = true) throws {
        let (statements, flags) = MigrationStatement.parse(m.sql)
        if flags.noTransaction || m.outsideTransaction {
            let start = try c.query("SELECT clock_timestamp()::text").firstValue
            for s in settings(local: false) { try c.execute(s) }
            defer { _ = try? c.execute("RESET lock_timeout; RESET statement_timeout") }
            for (i, s) in statements.enumerated() {
                do {
                    try c.query(s.text)
                } catch let e as PostgresError {
                    throw MigrationFailure(file: m.path, line: e.position.map { s.fileLine(ofPosition: $0) } ?? s.line, statement: s.text,
                                           error: e, partiallyApplied: i > 0)
                }
            }
            if recordHistory { try c.query(history.insertSQL, insertParams(m, start: start)) }
            return
        }
        var batch: [(sql: String, params: [String?])] = [("BEGIN", [])]
        batch += settings(local: true).map { ($0, []) }
        batch += statements.map { ($0.text, []) }
        if recordHistory { batch.append((history.insertSQL, insertParams(m, start: nil))) }
        batch.append(("COMMIT", []))
        let head = 1 + 2
        if let (index, error) = try c.pipeline(batch) {
            _ = try? c.execute("ROLLBACK")
            let k = index - head
            if statements.indices.contains(k) {
                let s = statements[k]
                throw MigrationFailure(file: m.path, line: error.position.map { s.fileLine(ofPosition: $0) } ?? s.line, statement: s.text,
                                       error: error, partiallyApplied: false)
            }
            let what = index < head ? "setting the timeouts" : index == batch.count - 1 ? "committing" : "recording the migration in \(history.table)"
            throw MigrationFailure(file: m.path, line: 1, statement: what, error: error, partiallyApplied: false)
        }
    }
}
