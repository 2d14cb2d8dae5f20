import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFRecords
import OGFState
import OGFStatePostgres

/// `ogf state migrate ENV --to postgres|file`: copies an environment's state (resources, history,
/// and any journal an interrupted apply left, folded in first) between `state/ENV.json` and the
/// PostgreSQL backend, under both locks; verifies the copy; only then retires the source.
struct StateMigrateCommand: AsyncParsableCommand {
    enum Target: String, ExpressibleByArgument, CaseIterable { case postgres, file }

    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move an environment's state between state/ENV.json and the PostgreSQL backend.",
        discussion: """
        Both directions need the environment's state: section with backend: postgres
        (it says where the PostgreSQL side is):

          1. add  state: {backend: postgres, url: "${secret.X}", schema: ogf_state}
          2. ogf state migrate ENV --to postgres
             copies state/ENV.json there, verifies it (lineage, serial, content hash),
             then renames state/ENV.json to state/ENV.json.moved-to-postgres.

          ogf state migrate ENV --to file
             copies it back to state/ENV.json, verifies it, then marks the PostgreSQL
             copy as moved (commands refuse it); then remove the state: section.

        The audit log moves with the state, entry for entry under the same key, and is
        read back before the source is retired. Both locks are held throughout. The source is not changed before the copy is
        verified, and a re-run after a failure is safe: a target that holds the same
        lineage at an equal or older serial (a copy that did not finish) is replaced;
        any other target state is refused.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Option(name: .customLong("to"), help: "Where the state goes: postgres or file.") var to: Target
    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Wait this long for each lock.", valueName: "DURATION"))
    var lockTimeout: String = "0s"

    func run() async throws {
        let ws = Workspace(global)
        let config = try ws.loadConfig(environment)
        guard config.state?.backend == .postgres, let pg = try ws.stateBackend(config) as? PostgresStateBackend else {
            throw ws.fail("\(config.file) has no state: section with backend: postgres",
                          detail: "It names the PostgreSQL side of the move, in both directions: state: {backend: postgres, url: \"${secret.OGF_STATE_DATABASE_URL}\", schema: ogf_state}.")
        }
        let timeout = try parseDuration(lockTimeout, flag: "--lock-timeout", ws)
        let file = FileStateBackend(directory: ws.stateDirectory, environment: environment)
        let marker = file.store.path + ".moved-to-postgres"
        let status: (exists: Bool, movedTo: String?, lineage: String?, serial: Int?)
        do { status = try await pg.status() } catch { throw ws.fail("\(error)") }

        // Nothing to do when a previous run finished.
        if to == .postgres, !file.store.exists, FileManager.default.fileExists(atPath: marker), status.exists, status.movedTo == nil {
            Terminal.out("The state of \(environment) is already in \(pg.location) (state/\(environment).json was moved aside to \((marker as NSString).lastPathComponent)).\n")
            return
        }
        if to == .file, status.movedTo != nil, file.store.exists {
            Terminal.out("The state of \(environment) is already in state/\(environment).json; \(pg.location) is marked as moved.\n")
            return
        }

        // Locks in one order (file, then postgres), whichever way the copy goes.
        let fileLock: any StateLease, pgLock: any StateLease
        do {
            fileLock = try await file.lock(operation: "state migrate --to \(to.rawValue)", timeout: timeout)
        } catch { throw ws.fail("\(error)".replacingOccurrences(of: "ENV", with: environment)) }
        defer { fileLock.release() }
        do {
            pgLock = try await pg.lock(operation: "state migrate --to \(to.rawValue)", timeout: timeout)
        } catch { throw ws.fail("\(error)".replacingOccurrences(of: "ENV", with: environment)) }
        defer { pgLock.release() }

        let source: StateFile
        let sourceName: String, targetName: String
        do {
            switch to {
            case .postgres:
                guard file.store.exists || FileManager.default.fileExists(atPath: file.store.journalPath) else {
                    throw ws.fail("there is no state/\(environment).json to move", detail: "An environment without state starts in PostgreSQL on its first apply; nothing to migrate.")
                }
                let (s, recovered) = try file.store.compactIfNeeded()
                if recovered > 0 { Terminal.err("note: folded \(recovered) journal entries of an unfinished apply into state/\(environment).json first.\n") }
                source = s
                (sourceName, targetName) = ("state/\(environment).json", pg.location)
                try checkTarget(ws, existing: status.exists ? (status.lineage ?? "", status.serial ?? 0) : nil, source: source, name: pg.location)
                Terminal.out("Copying \(source.resources.count) resources and \(source.history.count) history entries (serial \(source.serial)) to \(pg.location)...\n")
                try await pg.replace(with: source, under: pgLock)
            case .file:
                guard status.exists else { throw ws.fail("\(pg.location) holds no state for \(environment) to move") }
                guard status.movedTo == nil else {
                    throw ws.fail("\(pg.location) is marked as moved to \(status.movedTo!)", detail: "Its copy is kept for reference only; nothing to migrate.")
                }
                source = try await pg.recover(under: pgLock).state
                (sourceName, targetName) = (pg.location, "state/\(environment).json")
                let existing = try file.store.exists ? file.store.load().state : nil
                try checkTarget(ws, existing: existing.map { ($0.lineage, $0.serial) }, source: source, name: "state/\(environment).json")
                Terminal.out("Copying \(source.resources.count) resources and \(source.history.count) history entries (serial \(source.serial)) to state/\(environment).json...\n")
                try await file.replace(with: source, under: fileLock)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw ws.fail("\(error)", detail: "The source was not changed; running the same command again is safe.")
        }

        // Verify before retiring the source.
        let copy: StateFile?
        do {
            copy = to == .postgres ? try await pg.read() : try file.store.load().state
        } catch {
            throw ws.fail("cannot read the copy back from \(targetName): \(error)", detail: "The source (\(sourceName)) was not changed; run the command again.")
        }
        guard let copy, copy.lineage == source.lineage, copy.serial == source.serial, copy.contentHash == source.contentHash else {
            throw ws.fail("the copy in \(targetName) does not match \(sourceName) (lineage, serial or content hash differ)",
                          detail: "The source was not changed and is still the one in use; run the command again.")
        }

        // The audit log goes with the state, unchanged (same lines, same key), so it verifies on
        // either side; a target that already holds its start (an earlier round trip) gets the rest.
        let fileAudit = FileAuditLog(directory: ws.stateDirectory, environment: environment, user: ProcessIdentity.user, host: ProcessIdentity.host)
        let pgAudit = PostgresAuditLog(backend: pg, user: ProcessIdentity.user, host: ProcessIdentity.host)
        let (auditFrom, auditTo): (any AuditLog, any AuditLog) = to == .postgres ? (fileAudit, pgAudit) : (pgAudit, fileAudit)
        var auditNote = "no audit log to move"
        do {
            if let transcript = try auditFrom.transcript() {
                if case .broken(let line, let reason) = try auditFrom.verify() {
                    Terminal.err("warning: the audit log in \(auditFrom.location) does not verify at entry \(line) (\(reason)); it is copied as it is, so the break stays visible.\n")
                }
                let added = try auditTo.adopt(transcript)
                guard try auditTo.transcript() == transcript else {
                    throw AuditError("the audit log in \(auditTo.location) does not read back as the \(transcript.lines.count) entries copied")
                }
                auditNote = "audit log: \(transcript.lines.count) entr\(transcript.lines.count == 1 ? "y" : "ies") (\(added) copied now), read back identical"
            }
        } catch {
            throw ws.fail("the state was copied and verified, but its audit log could not be moved: \(error)",
                          detail: "The source (\(sourceName)) is still the one in use; fix the cause and run the command again.")
        }

        do {
            switch to {
            case .postgres:
                unlink(marker)
                guard rename(file.store.path, marker) == 0 else {
                    throw StateError.io("cannot rename state/\(environment).json: \(String(cString: strerror(errno)))")
                }
                AtomicFile.syncDirectory(ws.stateDirectory)
            case .file:
                try await pg.markMoved(to: "state/\(environment).json", under: pgLock)
                unlink(marker)
            }
        } catch {
            throw ws.fail("the copy is verified but the source could not be retired: \(error)", detail: "Run the command again.")
        }
        Terminal.out("Moved the state of \(environment) to \(targetName): lineage \(copy.lineage), serial \(copy.serial), content SHA-256 \(copy.contentHash.prefix(16))… verified; \(auditNote).\n")
        switch to {
        case .postgres:
            Terminal.out("state/\(environment).json is kept as \((marker as NSString).lastPathComponent); \(config.file) already points at PostgreSQL.\n")
        case .file:
            Terminal.out("The PostgreSQL copy is marked as moved. Now remove the state: section from \(config.file) (or set backend: file).\n")
        }
    }

    /// A target may be empty, or hold the same lineage at an equal or older serial (a copy that
    /// did not finish, or the copy a previous round trip left); anything else would be lost.
    func checkTarget(_ ws: Workspace, existing: (lineage: String, serial: Int)?, source: StateFile, name: String) throws {
        guard let existing else { return }
        if existing.lineage != source.lineage {
            throw ws.fail("\(name) already holds another state of \(environment) (lineage \(existing.lineage), the source is \(source.lineage))",
                          detail: "Refusing to overwrite it. Move it away (or remove it) if it is not needed.")
        }
        if existing.serial > source.serial {
            throw ws.fail("\(name) holds a newer state of \(environment) (serial \(existing.serial) > \(source.serial))",
                          detail: "It was written after the source; refusing to overwrite it. Did you mean the other direction?")
        }
    }
}
