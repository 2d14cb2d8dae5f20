import Foundation
import OGFCore
import Testing
@testable import OGFRecords

@Suite struct AuditLogTests {
    func log(_ dir: String) -> FileAuditLog {
        FileAuditLog(directory: dir, environment: "production", user: "alice", host: "ci-1", now: { t0 })
    }

    func filled() throws -> (FileAuditLog, [String]) {
        let l = log(tempDir())
        try l.append(AuditDraft(command: "plan -out plan.out", planHash: "h1", outcome: "saved"))
        try l.append(AuditDraft(command: "override (apply)", outcome: "granted", detail: "reason: hotfix"))
        try l.append(AuditDraft(command: "apply", planHash: "h1", outcome: "succeeded"))
        try l.append(AuditDraft(command: "force-unlock 1234", outcome: "succeeded"))
        let lines = try String(contentsOfFile: l.logPath, encoding: .utf8).split(separator: "\n").map(String.init)
        return (l, lines)
    }

    func rewrite(_ l: FileAuditLog, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: l.logPath, atomically: true, encoding: .utf8)
    }

    @Test func chainVerifiesAndFilesArePrivate() throws {
        let (l, lines) = try filled()
        #expect(try l.verify() == .intact(entries: 4))
        #expect(lines.count == 4)
        let entries = try l.entries().compactMap { $0 }
        #expect(entries.count == 4)
        #expect(entries.map(\.seq) == [1, 2, 3, 4])
        #expect(entries[0].prev == AuditEntry.genesis)
        #expect(entries[1].prev == ContentHash.sha256(lines[0]))
        #expect(entries[2].user == "alice" && entries[2].host == "ci-1" && entries[2].planHash == "h1")
        for p in [l.logPath, l.keyPath] {
            let mode = try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(p)")
        }
    }

    @Test func anEditedEntryIsNamed() throws {
        let (l, lines) = try filled()
        var edited = lines
        edited[1] = edited[1].replacingOccurrences(of: "hotfix", with: "routine")
        try rewrite(l, edited)
        guard case .broken(let line, let reason) = try l.verify() else { Issue.record("edit not detected"); return }
        #expect(line == 2)
        #expect(reason.contains("edited"))
    }

    @Test func theLastEntryEditedIsNamed() throws {
        let (l, lines) = try filled()
        var edited = lines
        edited[3] = edited[3].replacingOccurrences(of: "\"succeeded\"", with: "\"failed\"")
        try rewrite(l, edited)
        guard case .broken(let line, _) = try l.verify() else { Issue.record("edit not detected"); return }
        #expect(line == 4)
    }

    @Test func aRemovedEntryIsNamed() throws {
        let (l, lines) = try filled()
        try rewrite(l, [lines[0], lines[2], lines[3]])
        guard case .broken(let line, _) = try l.verify() else { Issue.record("removal not detected"); return }
        #expect(line == 2)
    }

    @Test func aTruncatedLogIsNamed() throws {
        let (l, lines) = try filled()
        try rewrite(l, Array(lines.prefix(3)))
        guard case .broken(let line, let reason) = try l.verify() else { Issue.record("truncation not detected"); return }
        #expect(line == 4)
        #expect(reason.contains("removed"))
    }

    @Test func reorderedEntriesAreNamed() throws {
        let (l, lines) = try filled()
        try rewrite(l, [lines[0], lines[2], lines[1], lines[3]])
        guard case .broken(let line, _) = try l.verify() else { Issue.record("reorder not detected"); return }
        #expect(line == 2)
    }

    @Test func anEntryAppendedByHandIsNamed() throws {
        let (l, lines) = try filled()
        // A forger who knows the format and the chain rule, but not the key.
        let last = try JSONDecoder().decode(AuditEntry.self, from: Data(lines[3].utf8))
        var forged = AuditEntry(seq: 5, time: last.time, user: "mallory", host: "x", environment: "production", command: "apply",
                                planHash: nil, outcome: "succeeded", detail: nil, prev: ContentHash.sha256(lines[3]), mac: nil)
        forged.mac = try AuditChain.mac(forged, key: Data(repeating: 7, count: 32))
        try rewrite(l, lines + [try AuditChain.line(forged)])
        guard case .broken(let line, _) = try l.verify() else { Issue.record("forgery not detected"); return }
        #expect(line == 5)
    }

    @Test func appendsAfterVerificationKeepChaining() throws {
        let (l, _) = try filled()
        try l.append(AuditDraft(command: "db restore db.dump", outcome: "succeeded"))
        #expect(try l.verify() == .intact(entries: 5))
    }
}
