import ArgumentParser
import Foundation
import OGFCore
import OGFRecords

/// `ogf audit list|verify ENV`: the environment's append-only, hash-chained audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List or verify an environment's audit log.",
        discussion: """
        ogf appends one entry to state/ENV.audit.jsonl for every plan saved, apply,
        rollback, policy override, force-unlock and db restore: time, user, host,
        command, plan hash, outcome, and the SHA-256 of the entry before it. Each entry
        also carries an HMAC keyed with state/ENV.audit.key, which also records how
        many entries ogf wrote and the last one's hash. `verify` exits 1 naming the first
        entry that was edited, removed, reordered or appended by hand.

        When the environment's state is in PostgreSQL (state: {backend: postgres}), the
        log is there too: table SCHEMA.audit (append-only: a trigger refuses UPDATE,
        DELETE and TRUNCATE) and SCHEMA.audit_heads (key and head). `ogf state migrate`
        moves the log with the state, unchanged, so it verifies on either side.
        """,
        subcommands: [AuditListCommand.self, AuditVerifyCommand.self]
    )
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the audit log, oldest first.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Flag(name: .customLong("json"), help: "One JSON entry a line, as stored.") var json = false

    func run() async throws {
        let ws = Workspace(global)
        let lines: [String]
        do { lines = try ws.auditLog(environment).lines() } catch { throw ws.fail("\(error)") }
        let entries = lines.map { try? JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
        let unreadable = entries.filter { $0 == nil }.count
        defer {
            if unreadable > 0 {
                let what = unreadable == 1 ? "1 entry is not a valid audit entry" : "\(unreadable) entries are not valid audit entries"
                Terminal.err("warning: \(what) (shown as unreadable); run `ogf audit verify \(environment)`.\n")
            }
        }
        if json {
            Terminal.out(lines.map { $0 + "\n" }.joined())
            return
        }
        if entries.isEmpty {
            Terminal.out("The audit log of \(environment) is empty.\n")
            return
        }
        var out = ""
        for (i, e) in entries.enumerated() {
            guard let e else {
                out += "#\(i + 1)  (unreadable: not a valid audit entry)\n"
                continue
            }
            out += "#\(e.seq)  \(e.time)  \(e.user)@\(e.host)  \(e.command)  \(e.outcome)"
            if let h = e.planHash { out += "  plan \(h.prefix(12))" }
            if let d = e.detail { out += "\n      \(d)" }
            out += "\n"
        }
        Terminal.out(out)
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the audit log's hash chain; exit 1 naming the first bad entry.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String

    func run() async throws {
        let ws = Workspace(global)
        let result: AuditVerification
        let log: any AuditLog
        do {
            log = try ws.auditLog(environment)
            result = try log.verify()
        } catch { throw ws.fail("\(error)") }
        switch result {
        case .intact(let n):
            Terminal.out("The audit log of \(environment) is intact: \(n) entr\(n == 1 ? "y" : "ies"), each chained to the one before.\n")
        case .broken(let line, let reason):
            throw ws.fail("the audit log of \(environment) does not verify at entry \(line): \(reason)",
                          detail: "\(log.location), entry \(line). Entries before it verify; keep the log as evidence.")
        }
    }
}
