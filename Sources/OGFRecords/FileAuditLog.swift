import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// The audit log as files beside state: `state/<ENV>.audit.jsonl` (one entry a line, mode 0600)
/// and `state/<ENV>.audit.key` (the MAC key and the head: how many entries ogf wrote and the
/// hash of the last, mode 0600). Appends hold an exclusive `flock` on the log, so concurrent
/// ogf processes (a force-unlock beside an apply) keep the chain whole.
///
/// What it protects against: an entry edited, removed, reordered or appended by anyone who can
/// write the log but does not use ogf (and so lacks the key). Someone with the key file can
/// rewrite history; ship the log to an append-only store if that is in your threat model.
public struct FileAuditLog: AuditLog {
    public let directory: String
    public let environment: String
    /// The clock and identity, injected for tests.
    public var now: @Sendable () -> Date
    public var user: String
    public var host: String

    public init(directory: String, environment: String, user: String, host: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.directory = directory
        self.environment = environment
        self.user = user
        self.host = host
        self.now = now
    }

    public var logPath: String { (directory as NSString).appendingPathComponent("\(environment).audit.jsonl") }
    public var keyPath: String { (directory as NSString).appendingPathComponent("\(environment).audit.key") }

    struct KeyFile: Codable {
        var key: String
        var count: Int
        var last: String
    }

    func readKey() throws -> KeyFile? {
        guard let data = FileManager.default.contents(atPath: keyPath) else { return nil }
        do { return try JSONDecoder().decode(KeyFile.self, from: data) } catch {
            throw AuditError("\(keyPath) is not a valid audit key file: \(error)")
        }
    }

    func writeKey(_ k: KeyFile) throws {
        let tmp = keyPath + ".tmp"
        let data = try JSONEncoder().encode(k)
        guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw AuditError("cannot write \(tmp)")
        }
        guard rename(tmp, keyPath) == 0 else { throw AuditError("cannot replace \(keyPath): \(String(cString: strerror(errno)))") }
    }

    func readLines() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Opens the log for writing under an exclusive `flock` and runs `body`.
    func locked<T>(_ body: (Int32) throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(logPath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AuditError("cannot open \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, 0o600)
        guard flock(fd, LOCK_EX) == 0 else { throw AuditError("cannot lock \(logPath): \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        return try body(fd)
    }

    func write(_ fd: Int32, _ lines: some Collection<String>) throws {
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditError("cannot append to \(logPath): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        fsync(fd)
    }

    @discardableResult
    public func append(_ draft: AuditDraft) throws -> AuditEntry {
        try locked { fd in
            let lines = try readLines()
            var key = try readKey()
            if key == nil {
                key = KeyFile(key: Hex.encode(Array(AuditChain.newKey())), count: lines.count, last: lines.last.map(ContentHash.sha256) ?? AuditEntry.genesis)
            }
            guard var k = key, let keyData = Hex.decode(k.key).map({ Data($0) }) else { throw AuditError("\(keyPath) holds no valid key") }
            let entry = try AuditChain.next(draft, after: lines, key: keyData, environment: environment, user: user, host: host, time: now())
            let text = try AuditChain.line(entry)
            try write(fd, [text])
            k.count = lines.count + 1
            k.last = ContentHash.sha256(text)
            try writeKey(k)
            return entry
        }
    }

    public func transcript() throws -> AuditTranscript? {
        let lines = try readLines()
        guard let k = try readKey() else {
            if lines.isEmpty { return nil }
            throw AuditError("\(keyPath) is missing: the audit log cannot be moved without its key")
        }
        guard let key = Hex.decode(k.key).map({ Data($0) }) else { throw AuditError("\(keyPath) holds no valid key") }
        return AuditTranscript(lines: lines, key: key)
    }

    @discardableResult
    public func adopt(_ source: AuditTranscript) throws -> Int {
        try locked { fd in
            let missing = try AuditChain.missing(from: source, in: try transcript(), target: logPath)
            guard !missing.isEmpty else { return 0 }
            try write(fd, missing)
            let all = try readLines()
            try writeKey(KeyFile(key: Hex.encode(Array(source.key)), count: all.count, last: all.last.map(ContentHash.sha256) ?? AuditEntry.genesis))
            return missing.count
        }
    }

    public var location: String { logPath }

    public func lines() throws -> [String] { try readLines() }

    public func verify() throws -> AuditVerification {
        let lines = try readLines()
        guard let k = try readKey() else {
            if lines.isEmpty { return .intact(entries: 0) }
            return .broken(line: 1, reason: "\(keyPath) is missing: the log cannot be verified")
        }
        guard let keyData = Hex.decode(k.key).map({ Data($0) }) else { return .broken(line: 1, reason: "\(keyPath) holds no valid key") }
        return AuditChain.verify(lines: lines, key: keyData, head: (k.count, k.last))
    }
}

public struct AuditError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
