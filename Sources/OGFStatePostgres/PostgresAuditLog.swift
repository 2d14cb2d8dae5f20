import Foundation
import OGFCore
import OGFRecords

/// The audit log of an environment whose state is in PostgreSQL, in the same schema: one row per
/// entry in `audit` (the line exactly as written), and the MAC key and head (count, SHA-256 of
/// the last line) in `audit_heads`. The chain and MAC rules are the file log's (`AuditChain`), so
/// `ogf state migrate` moves a log between the two unchanged.
///
/// Appends run in one transaction under a transaction-level advisory lock of their own, not the
/// state lock: a force-unlock beside a running apply appends too. A trigger refuses UPDATE,
/// DELETE and TRUNCATE on `audit` for every role; an owner who drops it can still rewrite rows,
/// and the chain, the MAC and the head then show which entry changed (the key is in the same
/// database: someone who can read it and write both tables can forge a consistent log; ship the
/// log to an append-only store beyond the database if that is in your threat model).
///
/// Blocking: each call opens its own connection on the calling thread (a command's last step).
public struct PostgresAuditLog: AuditLog {
    public let backend: PostgresStateBackend
    public var user: String
    public var host: String
    public var now: @Sendable () -> Date

    public init(backend: PostgresStateBackend, user: String, host: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.backend = backend
        self.user = user
        self.host = host
        self.now = now
    }

    var environment: String { backend.environment }
    var s: String { backend.s }
    var where_: String { "the audit log of \(environment) in \(backend.location)" }
    var appendKey: Int64 { PostgresStateBackend.key("ogf-audit\u{0}\(backend.server)\u{0}\(backend.schema)\u{0}\(environment)") }

    func connection() throws -> StateConnection {
        let c: StateConnection
        do { c = try StateConnection(url: backend.url, password: backend.password) } catch let e as StateDatabaseError {
            throw PostgresStateBackend.connectError(e, server: backend.server)
        }
        try PostgresStateSchema.prepare(c, schema: backend.schema, setupKey: backend.setupKey)
        return c
    }

    /// Runs `body` in a transaction holding the append lock.
    func appending<T>(_ body: (StateConnection) throws -> T) throws -> T {
        let c = try connection()
        do {
            try c.query("BEGIN")
            try c.query("SELECT pg_advisory_xact_lock($1)", [String(appendKey)])
            let v = try body(c)
            try c.query("COMMIT")
            return v
        } catch {
            _ = try? c.query("ROLLBACK")
            throw error
        }
    }

    func lines(_ c: StateConnection) throws -> [String] {
        try c.query("SELECT line FROM \(s).audit WHERE environment = $1 ORDER BY seq", [environment]).map { $0.first.flatMap { $0 } ?? "" }
    }

    struct Head { var key: Data; var count: Int; var last: String }

    func head(_ c: StateConnection) throws -> Head? {
        guard let row = try c.query("SELECT mac_key, count, last FROM \(s).audit_heads WHERE environment = $1", [environment]).first else { return nil }
        guard let hex = row[0], let key = Hex.decode(hex).map({ Data($0) }), let count = row[1].flatMap({ Int($0) }), let last = row[2] else {
            throw AuditError("\(where_) has an unreadable head row (\(s).audit_heads)")
        }
        return Head(key: key, count: count, last: last)
    }

    func writeHead(_ c: StateConnection, key: Data, lines: [String]) throws {
        try c.query("""
            INSERT INTO \(s).audit_heads (environment, mac_key, count, last) VALUES ($1, $2, $3, $4)
            ON CONFLICT (environment) DO UPDATE SET mac_key = EXCLUDED.mac_key, count = EXCLUDED.count, last = EXCLUDED.last
            """, [environment, Hex.encode(Array(key)), String(lines.count), lines.last.map(ContentHash.sha256) ?? AuditEntry.genesis])
    }

    func insert(_ c: StateConnection, _ lines: some Collection<String>, from seq: Int) throws {
        for (i, line) in lines.enumerated() {
            try c.query("INSERT INTO \(s).audit (environment, seq, line) VALUES ($1, $2, $3)", [environment, String(seq + i), line])
        }
    }

    @discardableResult
    public func append(_ draft: AuditDraft) throws -> AuditEntry {
        try appending { c in
            let existing = try lines(c)
            let key = try head(c)?.key ?? AuditChain.newKey()
            let entry = try AuditChain.next(draft, after: existing, key: key, environment: environment, user: user, host: host, time: now())
            let text = try AuditChain.line(entry)
            try insert(c, [text], from: existing.count + 1)
            try writeHead(c, key: key, lines: existing + [text])
            return entry
        }
    }

    public var location: String { "table \(backend.schema).audit (environment \(environment)) at \(backend.server)" }

    public func lines() throws -> [String] { try lines(try connection()) }

    public func verify() throws -> AuditVerification {
        let c = try connection()
        let all = try lines(c)
        guard let h = try head(c) else {
            if all.isEmpty { return .intact(entries: 0) }
            return .broken(line: 1, reason: "\(s).audit_heads has no row for \(environment): the log cannot be verified")
        }
        return AuditChain.verify(lines: all, key: h.key, head: (h.count, h.last))
    }

    public func transcript() throws -> AuditTranscript? {
        let c = try connection()
        let all = try lines(c)
        guard let h = try head(c) else {
            if all.isEmpty { return nil }
            throw AuditError("\(where_) has entries but no key row (\(s).audit_heads): it cannot be moved")
        }
        return AuditTranscript(lines: all, key: h.key)
    }

    @discardableResult
    public func adopt(_ source: AuditTranscript) throws -> Int {
        try appending { c in
            let existing = try lines(c)
            let current = try head(c).map { AuditTranscript(lines: existing, key: $0.key) }
            let missing = try AuditChain.missing(from: source, in: current ?? (existing.isEmpty ? nil : AuditTranscript(lines: existing, key: Data())),
                                                 target: where_)
            guard !missing.isEmpty else { return 0 }
            try insert(c, missing, from: existing.count + 1)
            try writeHead(c, key: source.key, lines: existing + missing)
            return missing.count
        }
    }
}
