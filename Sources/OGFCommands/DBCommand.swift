import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFDatabase
import OGFPlan
import OGFRecords
import OGFSupport

/// `ogf db`: database operations outside a plan.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Database operations outside a plan: restore a backup.",
        subcommands: [DBRestoreCommand.self]
    )
}

/// `ogf db restore ENV BACKUP`: restores a postgres_backup dump over the environment's database,
/// after checking the file and asking for confirmation.
struct DBRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a postgres_backup dump into the environment's database (after confirmation).",
        discussion: """
        BACKUP is a dump file (a path, or a file name in the backup resource's dir, default backups/ENV/). The database URL
        comes from the environment's postgres_backup resource (--resource when there are several). The file is verified
        with pg_restore --list and, when state recorded it, against its SHA-256; then pg_restore --clean --if-exists
        --single-transaction replaces the objects in the dump: on any error nothing changes.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String
    @Argument(help: "The dump to restore.") var backup: String
    @Option(name: .customLong("resource"), help: ArgumentHelp("The postgres_backup resource whose database to restore into.", valueName: "ADDR"))
    var resource: String?
    @Flag(name: [.customLong("auto-approve"), .customLong("auto-approve", withSingleDash: true)], help: "Restore without asking for confirmation.")
    var autoApprove = false

    func run() async throws {
        let ws = Workspace(global)
        let config = try ws.loadConfig(environment)
        let backups = config.sortedAddresses.filter { $0.kind == "postgres_backup" }
        let address: ResourceAddress
        if let resource {
            guard let a = ResourceAddress(parsing: resource), backups.contains(a) else {
                throw ws.fail("--resource \(resource): no such postgres_backup in \(environment)", detail: "Declared: \(backups.map(\.description).joined(separator: ", "))")
            }
            address = a
        } else {
            guard backups.count == 1 else {
                throw ws.fail(backups.isEmpty ? "\(environment) declares no postgres_backup resource" : "\(environment) declares several postgres_backup resources; choose one with --resource",
                              detail: backups.isEmpty ? "The restore uses its url. Add one (docs/database.md)." : backups.map(\.description).joined(separator: ", "))
            }
            address = backups[0]
        }
        let rc = config.resources[address]!
        let variables = ws.variables(config)
        var diags: [Diagnostic] = []
        let vars = Evaluator.resolveVariables(config.variables, environment: variables, envFile: config.envFile, diagnostics: &diags)
        let evaluator = Evaluator(variables: vars, environment: variables, envFile: config.envFile)
        let values = ResourceResolver(registry: ws.registry, evaluator: evaluator).resolve(rc, diagnostics: &diags)
        ws.report(Diagnostics(diags))
        guard !diags.contains(where: { $0.severity == .error }) else { throw ws.failure(Diagnostics(diags)) }
        let url: DatabaseURL, dir: String
        do {
            (url, dir) = try PostgresBackupKind.restoreTarget(values, context: ws.context(config, variables, hasher: SecretHasher(salt: [])))
        } catch let d as Diagnostic {
            ws.report(Diagnostics([d.placed(in: rc)]))
            throw ExitCode(1)
        }
        let candidates = [backup, (dir as NSString).appendingPathComponent(backup)].map { $0.hasPrefix("/") ? $0 : (ws.root as NSString).appendingPathComponent($0) }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ws.fail("backup \(backup) not found", detail: "Looked for \(candidates.joined(separator: " and ")).")
        }
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: variables)
        let entries: Int
        do { entries = try await tools.verify(file, url: url) } catch { throw ws.fail("\(backup) is not a readable backup: \(error)") }
        let sha = (try? PostgresTools.sha256(file)) ?? "?"
        var checksumNote = "not recorded in state (an older backup): SHA-256 \(sha)"
        if let state = try? ws.store(environment).load().state, let outs = state.resources[address]?.outputs,
           let recordedPath = outs["path"]?.stringValue, let recordedSHA = outs["sha256"]?.stringValue,
           (ws.root as NSString).appendingPathComponent(recordedPath) == file || recordedPath == backup {
            guard recordedSHA == sha else {
                throw ws.fail("\(backup) does not match the SHA-256 recorded when it was taken", detail: "recorded \(recordedSHA)\nnow      \(sha)\nThe file changed or is corrupt; refusing to restore it.")
            }
            checksumNote = "matches the SHA-256 recorded when it was taken"
        }
        Terminal.out("""
        Restore into \(url.masked)
          from     \(file)
          archive  \(entries) entries (pg_restore --list), checksum \(checksumNote)
        Objects in the dump are dropped and recreated in one transaction; rows written since the backup are lost.

        """)
        if !autoApprove {
            guard ws.terminal.stdinIsTTY else { throw ws.fail("refusing to restore without confirmation: stdin is not a terminal; pass --auto-approve") }
            Terminal.out("Type 'yes' to restore: ")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                Terminal.out("Restore cancelled.\n")
                throw ExitCode(1)
            }
        }
        let start = Date()
        do { try await tools.restore(file, into: url) } catch {
            ws.audit(environment, AuditDraft(command: "db restore \((file as NSString).lastPathComponent)", outcome: "failed", detail: "\(error)"))
            throw ws.fail("restore failed, the database is unchanged: \(error)")
        }
        ws.audit(environment, AuditDraft(command: "db restore \((file as NSString).lastPathComponent)", outcome: "succeeded", detail: "checksum \(checksumNote)"))
        Terminal.out("Restored \((file as NSString).lastPathComponent) in \(DurationText.format(Date().timeIntervalSince(start))).\n")
    }
}
