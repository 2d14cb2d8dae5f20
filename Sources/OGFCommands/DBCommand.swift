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
        abstract: "Database operations outside a plan: restore a backup, adopt another migration tool's history.",
        subcommands: [DBRestoreCommand.self, DBAdoptCommand.self]
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
        --single-transaction replaces the objects in the dump: on any error nothing changes. An encrypted dump (.dump.enc)
        is decrypted with the resource's encrypt_with key as a stream straight into pg_restore; a wrong key is refused
        before anything is restored.
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
        let url: DatabaseURL, dir: String, cipher: BackupCipher?
        do {
            (url, dir, cipher) = try PostgresBackupKind.restoreTarget(values, context: ws.context(config, variables, hasher: SecretHasher(salt: [])))
        } catch let d as Diagnostic {
            ws.report(Diagnostics([d.placed(in: rc)]))
            throw ExitCode(1)
        }
        let candidates = [backup, (dir as NSString).appendingPathComponent(backup)].map { $0.hasPrefix("/") ? $0 : (ws.root as NSString).appendingPathComponent($0) }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ws.fail("backup \(backup) not found", detail: "Looked for \(candidates.joined(separator: " and ")).")
        }
        let tools = PostgresTools(runner: SpawnProcessRunner(), environment: variables)
        let encrypted = BackupCipher.isEncrypted(file)
        if encrypted && cipher == nil {
            throw ws.fail("\(backup) is encrypted, and \(address) has no encrypt_with key to decrypt it",
                          detail: "Set encrypt_with: \"${secret.BACKUP_KEY}\" on \(address) and provide the key the backup was taken with.")
        }
        let decrypt = encrypted ? cipher : nil
        let entries: Int
        do { entries = try await tools.verify(file, url: url, cipher: decrypt) } catch { throw ws.fail("\(backup) is not a readable backup: \(error)") }
        let sha = (try? PostgresTools.sha256(file)) ?? "?"
        var checksumNote = "not recorded in state (an older backup): SHA-256 \(sha)"
        if let state = try? await ws.stateBackend(config).read(), let outs = state.resources[address]?.outputs,
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
          archive  \(entries) entries (pg_restore --list\(encrypted ? " on the decrypted backup" : "")), checksum \(checksumNote)
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
        do { try await tools.restore(file, into: url, cipher: decrypt) } catch {
            ws.audit(environment, AuditDraft(command: "db restore \((file as NSString).lastPathComponent)", outcome: "failed", detail: "\(error)"))
            throw ws.fail("restore failed, the database is unchanged: \(error)")
        }
        ws.audit(environment, AuditDraft(command: "db restore \((file as NSString).lastPathComponent)", outcome: "succeeded", detail: "checksum \(checksumNote)"))
        Terminal.out("Restored \((file as NSString).lastPathComponent) in \(DurationText.format(Date().timeIntervalSince(start))).\n")
    }
}

/// `ogf db adopt ENV`: records in ogf's history the migrations another tool (golang-migrate, Diesel, Flyway,
/// sqitch) already applied, without running anything.
struct DBAdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Record another migration tool's applied migrations in ogf's history, without running anything.",
        discussion: """
        The postgres_schema resource's layout: names the tool (golang-migrate, diesel, flyway, sqitch); its history table \
        (schema_migrations, __diesel_schema_migrations, flyway_schema_history, sqitch.changes) says which files it applied. \
        Every applied file must be in the migrations folder (and, for sqitch, unchanged since it was deployed); then one \
        row per file is written to the ogf history table (history_table, default ogf_schema_migrations) with the file's \
        SHA-256, in one transaction, under the migration lock. Nothing else in the database changes. Running it again \
        when the history already matches does nothing. Files the other tool never applied stay pending for ogf apply.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String
    @Option(name: .customLong("resource"), help: ArgumentHelp("The postgres_schema resource to adopt (when there are several).", valueName: "ADDR"))
    var resource: String?

    func run() async throws {
        let ws = Workspace(global)
        let config = try ws.loadConfig(environment)
        let schemas = config.sortedAddresses.filter { $0.kind == "postgres_schema" }
        let address: ResourceAddress
        if let resource {
            guard let a = ResourceAddress(parsing: resource), schemas.contains(a) else {
                throw ws.fail("--resource \(resource): no such postgres_schema in \(environment)", detail: "Declared: \(schemas.map(\.description).joined(separator: ", "))")
            }
            address = a
        } else {
            guard schemas.count == 1 else {
                throw ws.fail(schemas.isEmpty ? "\(environment) declares no postgres_schema resource" : "\(environment) declares several postgres_schema resources; choose one with --resource",
                              detail: schemas.isEmpty ? "Adopt records history for a postgres_schema resource (docs/database.md)." : schemas.map(\.description).joined(separator: ", "))
            }
            address = schemas[0]
        }
        let rc = config.resources[address]!
        let variables = ws.variables(config)
        var diags: [Diagnostic] = []
        let vars = Evaluator.resolveVariables(config.variables, environment: variables, envFile: config.envFile, diagnostics: &diags)
        let evaluator = Evaluator(variables: vars, environment: variables, envFile: config.envFile)
        let values = ResourceResolver(registry: ws.registry, evaluator: evaluator).resolve(rc, diagnostics: &diags)
        ws.report(Diagnostics(diags))
        guard !diags.contains(where: { $0.severity == .error }) else { throw ws.failure(Diagnostics(diags)) }
        let context = ws.context(config, variables, hasher: SecretHasher(salt: []))
        let report: AdoptionReport
        do {
            report = try await PostgresSchemaKind.adopt(values, context: context)
        } catch let d as Diagnostic {
            ws.report(Diagnostics([d.placed(in: rc)]))
            throw ExitCode(1)
        } catch let f as ResourceFailure {
            throw ws.fail("\(address): \(context.redact(f.message))")
        }
        if report.alreadyAdopted {
            Terminal.out("\(address): \(report.historyTable) already records what \(report.source) applied; nothing to do.\n")
        } else {
            let n = report.adopted.count
            Terminal.out("\(address): recorded \(n) migration\(n == 1 ? "" : "s") applied by \(report.source) in \(report.historyTable) (nothing was run)"
                + (n > 0 ? ": \(report.adopted.first!)" + (n > 1 ? " … \(report.adopted.last!)" : "") : "") + ".\n")
        }
        Terminal.out(report.pending.isEmpty ? "No migrations pending.\n" : "\(report.pending.count) pending for ogf apply, from \(report.pending.first!).\n")
    }
}
