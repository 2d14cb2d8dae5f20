import Crypto
import Foundation
import OGFCore

/// One audit log entry: who did what to an environment, when, from where, with which plan,
/// and how it ended, chained to the entry before it by that entry's SHA-256.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// 1, 2, 3 … without gaps.
    public var seq: Int
    /// ISO 8601, UTC.
    public var time: String
    public var user: String
    public var host: String
    public var environment: String
    /// `plan -out plan.out`, `apply plan.out`, `rollback --to v1`, `override`, `force-unlock`, `db restore`.
    public var command: String
    public var planHash: String?
    /// `succeeded`, `failed`, `interrupted`, `saved`, `granted` ….
    public var outcome: String
    /// Free text: the override's reason, the lock removed, the backup restored.
    public var detail: String?
    /// SHA-256 (hex) of the previous entry's line as written; 64 zeros for the first.
    public var prev: String
    /// HMAC-SHA256 (hex) of this entry without `mac`, keyed with the log's key: an entry
    /// written by hand, without the key, does not verify.
    public var mac: String?

    enum CodingKeys: String, CodingKey {
        case seq, time, user, host, environment, command, planHash = "plan_hash", outcome, detail, prev, mac
    }

    public static let genesis = String(repeating: "0", count: 64)
}

/// What a caller records; the log adds sequence, time, identity and the chain.
public struct AuditDraft: Sendable {
    public var command: String
    public var planHash: String?
    public var outcome: String
    public var detail: String?

    public init(command: String, planHash: String? = nil, outcome: String, detail: String? = nil) {
        self.command = command
        self.planHash = planHash
        self.outcome = outcome
        self.detail = detail
    }
}

/// The result of `ogf audit verify`.
public enum AuditVerification: Sendable, Equatable {
    case intact(entries: Int)
    /// The first entry that does not verify (1-based line number) and why.
    case broken(line: Int, reason: String)
}

/// An environment's append-only, hash-chained audit log. The file implementation keeps it
/// beside state (`state/<ENV>.audit.jsonl`); another store (PostgreSQL) implements the same.
public protocol AuditLog: Sendable {
    /// Appends one entry, chained to the last; returns it as written.
    @discardableResult
    func append(_ draft: AuditDraft) throws -> AuditEntry
    /// Where the log is, for messages (`state/ENV.audit.jsonl`, a table).
    var location: String { get }
    /// Every entry's line as stored, oldest first.
    func lines() throws -> [String]
    /// Checks the whole chain.
    func verify() throws -> AuditVerification
    /// The log as stored (its lines and MAC key), to move it to another store unchanged; nil
    /// when nothing was ever written.
    func transcript() throws -> AuditTranscript?
    /// Takes a log from another store (`ogf state migrate`): this store must be empty or hold
    /// the start of the same log under the same key; the rest is appended exactly as written.
    /// Returns how many entries were added.
    @discardableResult
    func adopt(_ transcript: AuditTranscript) throws -> Int
}

extension AuditLog {
    /// Every entry, oldest first; a line that does not parse is nil (`verify` says why).
    public func entries() throws -> [AuditEntry?] {
        try lines().map { try? JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
    }
}

/// A whole audit log as stored: its lines (canonical JSON, oldest first) and its MAC key.
public struct AuditTranscript: Sendable, Equatable {
    public var lines: [String]
    public var key: Data

    public init(lines: [String], key: Data) {
        self.lines = lines
        self.key = key
    }

    /// SHA-256 of the last line (the head a store keeps apart), genesis when empty.
    public var last: String { lines.last.map(ContentHash.sha256) ?? AuditEntry.genesis }
}

/// The chain's rules, shared by every store: canonical entry bytes, the MAC and verification.
public enum AuditChain {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The entry's line: canonical JSON (sorted keys), MAC included.
    public static func line(_ entry: AuditEntry) throws -> String {
        String(decoding: try encoder.encode(entry), as: UTF8.self)
    }

    public static func mac(_ entry: AuditEntry, key: Data) throws -> String {
        var bare = entry
        bare.mac = nil
        let bytes = try encoder.encode(bare)
        return Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))))
    }

    /// A new random MAC key (32 bytes).
    public static func newKey() -> Data {
        var rng = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// The next entry after `lines`, sealed with `key`: sequence, time, identity and the chain.
    public static func next(_ draft: AuditDraft, after lines: [String], key: Data, environment: String, user: String, host: String,
                            time: Date) throws -> AuditEntry {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return try sealed(AuditEntry(seq: lines.count + 1, time: iso.string(from: time), user: user, host: host,
                                     environment: environment, command: draft.command, planHash: draft.planHash,
                                     outcome: draft.outcome, detail: draft.detail, prev: lines.last.map(ContentHash.sha256) ?? AuditEntry.genesis,
                                     mac: nil), key: key)
    }

    /// What a store holding `existing` lacks of `source`: everything when it is empty, the rest
    /// when it holds the start of the same log under the same key; an error otherwise (the two
    /// logs went separate ways, and neither may be lost).
    public static func missing(from source: AuditTranscript, in existing: AuditTranscript?, target: String) throws -> ArraySlice<String> {
        guard let existing, !existing.lines.isEmpty else { return source.lines[...] }
        guard existing.key == source.key else {
            throw AuditError("\(target) already holds another audit log of this environment (another MAC key); refusing to mix them. Keep both: move one aside first")
        }
        if existing.lines.count <= source.lines.count, Array(source.lines.prefix(existing.lines.count)) == existing.lines {
            return source.lines.dropFirst(existing.lines.count)
        }
        if source.lines.count < existing.lines.count, Array(existing.lines.prefix(source.lines.count)) == source.lines {
            return []
        }
        throw AuditError("the audit log in \(target) and the one being moved differ from entry \(zip(existing.lines, source.lines).prefix(while: { $0 == $1 }).count + 1) on; refusing to mix them. Run `ogf audit verify` on both sides")
    }

    public static func sealed(_ entry: AuditEntry, key: Data) throws -> AuditEntry {
        var e = entry
        e.mac = try mac(entry, key: key)
        return e
    }

    /// Verifies lines as stored: each parses, is canonical, numbers on from the one before,
    /// names the previous line's SHA-256, and carries a valid MAC; and the log is as long as the
    /// head (count, last hash) the store keeps apart says, so removed or added entries show.
    public static func verify(lines: [String], key: Data, head: (count: Int, last: String)?) -> AuditVerification {
        var prev = AuditEntry.genesis
        for (i, text) in lines.enumerated() {
            let n = i + 1
            guard let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(text.utf8)) else {
                return .broken(line: n, reason: "entry \(n) is not a valid audit entry (edited by hand?)")
            }
            guard entry.seq == n else {
                return .broken(line: n, reason: "entry \(n) has sequence number \(entry.seq): entries were removed or reordered before it")
            }
            guard entry.prev == prev else {
                return .broken(line: n, reason: "entry \(n) does not chain to entry \(n - 1): entry \(n - 1) was edited, or entries were removed or reordered")
            }
            guard let mac = entry.mac, (try? Self.mac(entry, key: key)) == mac else {
                return .broken(line: n, reason: "entry \(n) (\(entry.command), \(entry.time)) was edited or written by hand: its MAC does not verify")
            }
            guard (try? line(entry)) == text else {
                return .broken(line: n, reason: "entry \(n) was edited: it is not as ogf wrote it")
            }
            prev = ContentHash.sha256(text)
        }
        if let head {
            if lines.count < head.count {
                return .broken(line: lines.count + 1, reason: "entries \(lines.count + 1)…\(head.count) were removed (the log had \(head.count) entries)")
            }
            if lines.count > head.count {
                return .broken(line: head.count + 1, reason: "entry \(head.count + 1) was appended by hand: ogf wrote \(head.count) entries")
            }
            if head.count > 0, head.last != prev {
                return .broken(line: lines.count, reason: "entry \(lines.count) is not the entry ogf wrote last")
            }
        }
        return .intact(entries: lines.count)
    }
}
