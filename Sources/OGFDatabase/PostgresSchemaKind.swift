import Foundation
import OGFCore
import OGFSupport

/// `postgres_schema`: a folder of `NNNN_name.up.sql` migrations applied in order, each in its
/// own transaction with its history row, under an advisory lock. The plan shows the version
/// step, the pending files, a shadow-database dry run, the zero-downtime lint and the rollback
/// plan; modified, missing or out-of-order migrations are plan errors naming the file.
public struct PostgresSchemaKind: ResourceKind {
    let processes: any ProcessRunner

    public init(processes: any ProcessRunner) { self.processes = processes }

    public let name = "postgres_schema"
    public let role = ResourceRole.managed
    public let summary = "PostgreSQL migrations: history table, advisory lock, per-migration transactions, shadow dry run, lint, rollback plan."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, sensitive: true, doc: "postgres:// URL of the database (from ${env.X} or ${secret.X}); sslmode and other libpq parameters are honoured."),
        FieldSpec("migrations", .string, required: true, doc: "Folder of NNNN_name.up.sql files (and optional NNNN_name.down.sql), relative to the project folder."),
        FieldSpec("backup", .string, doc: "A backup that must exist before migrating, as a reference: \"${postgres_backup.NAME.path}\" (which also orders the backup first)."),
        FieldSpec("history_table", .string, default: "ogf_schema_migrations", doc: "The history table's name."),
        FieldSpec("lock_timeout", .duration, default: "5s", doc: "SET LOCAL lock_timeout for each migration: how long a statement may wait for a table lock."),
        FieldSpec("statement_timeout", .duration, default: "15m", doc: "SET LOCAL statement_timeout for each migration."),
        FieldSpec("migration_lock_wait", .duration, default: "30s", doc: "How long to wait for another migrator's advisory lock before failing (the failure names the holder)."),
        FieldSpec("shadow", .bool, default: true, doc: "Dry-run pending migrations on a throwaway copy of the schema at plan time (needs CREATEDB)."),
        FieldSpec("pg_dump", .string, default: "pg_dump", doc: "The pg_dump used to copy the schema for the dry run."),
    ])
    public let outputs = [
        "version": "The schema version (highest applied migration) after apply; planned: the target version.",
        "previous_version": "The version before this apply.",
        "pending": "How many migrations were pending at plan time.",
        "applied": "File names of the migrations this apply ran.",
        "rollback": "Down files that would revert this apply's migrations, newest first.",
        "migrations": "Every migration up to the version: file name → SHA-256 of its contents (what a promotion gate compares).",
    ]

    struct Config: Decodable {
        var target: PostgresTarget
        var folder: String
        /// Passed untouched: a `${postgres_backup.NAME.path}` reference is known only after the backup.
        var backup: Value?
        var historyTable: String
        var lockTimeout: ConfigDuration
        var statementTimeout: ConfigDuration
        var lockWait: ConfigDuration
        var shadow: Bool
        var pgDump: String

        enum CodingKeys: String, CodingKey {
            case url, migrations, backup, historyTable = "history_table", lockTimeout = "lock_timeout", statementTimeout = "statement_timeout"
            case lockWait = "migration_lock_wait", shadow, pgDump = "pg_dump"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // First: a wrong backup is reported even while the URL is known only after apply.
            backup = try c.decodeIfPresent(Value.self, forKey: .backup)
            if let problem = PostgresSchemaKind.backupProblems(backup).first { throw problem }
            target = try c.decode(PostgresTarget.self, forKey: .url)
            folder = try c.decode(String.self, forKey: .migrations)
            historyTable = try c.decode(String.self, forKey: .historyTable)
            lockTimeout = try c.decode(ConfigDuration.self, forKey: .lockTimeout)
            statementTimeout = try c.decode(ConfigDuration.self, forKey: .statementTimeout)
            lockWait = try c.decode(ConfigDuration.self, forKey: .lockWait)
            shadow = try c.decode(Bool.self, forKey: .shadow)
            pgDump = try c.decode(String.self, forKey: .pgDump)
            guard !folder.isEmpty else { throw Diagnostic.field("migrations", "is empty: name the folder of NNNN_name.up.sql files, e.g. db/migrations") }
            guard !historyTable.isEmpty else { throw Diagnostic.field("history_table", "is empty: name the history table, e.g. ogf_schema_migrations") }
        }

        func migrator(_ ctx: KindContext) -> Migrator {
            Migrator(history: MigrationHistory(table: historyTable), lockTimeout: lockTimeout.seconds, statementTimeout: statementTimeout.seconds,
                     appliedBy: ctx.operatorName, ogfVersion: OGFVersion.current)
        }
    }

    /// The settings a plan or apply works with: the configuration and the migrator it makes.
    struct Settings {
        var config: Config
        var migrator: Migrator
        var target: PostgresTarget { config.target }
        var folder: String { config.folder }
        var backup: Value? { config.backup }

        init(_ config: Config, _ ctx: KindContext) {
            self.config = config
            migrator = config.migrator(ctx)
        }
    }

    /// `backup: postgres_backup.pre` is the first thing a user writes; it would pass the plan and
    /// fail the apply ("does not exist"), so it is refused at the field with the reference to use.
    static func backupProblems(_ value: Value?) -> [Diagnostic] {
        guard let s = value?.unmarked.stringValue, value?.isKnown == true else { return [] }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        if parts.first == "postgres_backup", parts.count == 2 || (parts.count == 3 && parts[2] == "path"),
           parts[1].range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil {
            let ref = "${postgres_backup.\(parts[1]).path}"
            return [.field("backup", "\"\(s)\" is an address, not a backup file; write \"\(ref)\"",
                           detail: "The reference passes the backup's file and makes the backup run before the migrations; a bare address does neither.")]
        }
        return []
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        let unknownOutputs: [String: Value] = ["version": .unknown, "previous_version": .unknown, "pending": .unknown, "applied": .unknown, "rollback": .unknown, "migrations": .unknown]
        // A wrong field (a bad backup, a URL that is not postgres://) throws a diagnostic at it.
        guard let config = try request.decodeIfKnown(Config.self) else {
            return PlanResponse(action: request.prior == nil ? .create : .update, reasons: ["the URL is known only after apply"],
                                plannedOutputs: unknownOutputs, details: ["migrations will be checked when the URL is known"])
        }
        guard request.refresh else {
            return PlanResponse(action: .noop, plannedOutputs: request.prior?.outputs ?? [:], details: ["--refresh=false: the migration history was not read"])
        }
        let s = Settings(config, request.context)
        let app = "ogf plan \(request.context.environment) by \(request.context.operatorName) pid \(getpid())"
        var diags: [Diagnostic] = []
        let files: [MigrationFile]
        do {
            let (folder, problems) = try MigrationFolder.read(s.folder, root: request.context.projectRoot)
            files = folder.migrations
            diags += problems.map { .error("\(request.address): \($0.message)", at: SourceLocation(file: $0.file, line: $0.line, column: 1)) }
        } catch let p as MigrationFolder.Problem {
            return PlanResponse(action: .noop, diagnostics: [.error("\(request.address): \(p)")])
        }
        let conn: PostgresConnection
        let status: MigrationStatus
        do {
            conn = try await s.target.connect(application: app)
            let history = s.migrator.history
            status = MigrationStatus(files: files, applied: try await conn.run { try history.read($0) }, folder: s.folder)
        } catch let f as ResourceFailure {
            return PlanResponse(action: .noop, diagnostics: diags + [.error("\(request.address): cannot read the migration history: \(f.message)")])
        } catch {
            return PlanResponse(action: .noop, diagnostics: diags + [.error("\(request.address): cannot read the migration history from \(s.target.shown): \(DatabaseURL.mask("\(error)", password: s.target.url.password))")])
        }
        diags += status.problems.map {
            .error("\(request.address): \($0.message)", detail: "A migration that ran must never change; ogf refuses to plan until the folder and the history agree.",
                   at: SourceLocation(file: $0.file, line: $0.line, column: 1))
        }
        let from = status.currentVersion, to = status.targetVersion
        var planned: [String: Value] = ["version": .int(to), "previous_version": .int(from), "pending": .int(status.pending.count),
                                        "applied": .unknown, "rollback": .list(Self.rollback(status.pending).map { .string($0) }),
                                        "migrations": Self.checksums(files, upTo: to)]
        if status.pending.isEmpty {
            planned["applied"] = .list([])
            let recorded = request.prior?.outputs["migrations"] != nil
            if request.prior?.status == .ready, request.prior?.outputs["version"] == .int(from), recorded {
                return PlanResponse(action: .noop, plannedOutputs: request.prior?.outputs ?? planned, details: ["version \(from), up to date"], diagnostics: diags)
            }
            // A state written before checksums were recorded gets them once (a promotion gate reads them).
            let why = request.prior?.status != .ready ? "recording version \(from); nothing pending"
                : request.prior?.outputs["version"] != .int(from) ? "the database is at version \(from), state says \(request.prior?.outputs["version"]?.description ?? "nothing")"
                : "recording the migrations' checksums; nothing pending"
            return PlanResponse(action: request.prior == nil ? .create : .update, reasons: [why],
                                plannedOutputs: planned, details: ["version \(from), up to date"], diagnostics: diags)
        }
        var details = ["version \(from) → \(to)", "pending:"]
        for m in status.pending {
            var flags: [String] = []
            if m.directives.noTransaction { flags.append("no transaction") }
            if m.directives.breaking { flags.append("breaking") }
            if !m.isReversible { flags.append("irreversible") }
            details.append("  \(m.path)" + (flags.isEmpty ? "" : "  (\(flags.joined(separator: ", ")))"))
        }
        if let b = s.backup {
            details.append(b.isKnown ? "backup before migrating: \(b.unmarked.stringValue ?? "")" : "backup before migrating: taken first (its path is known after apply)")
            if b.isKnown, let path = b.unmarked.stringValue, !FileManager.default.fileExists(atPath: request.context.path(path)) {
                diags.append(.field("backup", "the backup \(path) does not exist, and migrations are pending",
                                    detail: "Reference a postgres_backup so it is taken first: backup: \"${postgres_backup.NAME.path}\"."))
            }
        } else {
            details.append("no backup configured (set backup: \"${postgres_backup.NAME.path}\")")
        }
        // Zero-downtime lint.
        let (lintLines, lintDiags) = Self.lint(status.pending, protected: request.context.isProtected, address: request.address)
        details += lintLines
        diags += lintDiags
        // Shadow dry run.
        if s.config.shadow {
            let tools = PostgresTools(runner: processes, pgDump: s.config.pgDump, environment: request.context.variables)
            let dry = ShadowDryRun(tools: tools, migrator: s.migrator) { try await PostgresConnection.open(url: $0, applicationName: app + " (shadow)") }
            switch await dry.run(status.pending, url: s.target.url, admin: conn) {
            case .passed(let n, let ms):
                details.append("dry run on a shadow database: \(n) migration\(n == 1 ? "" : "s") applied cleanly in \(ms)ms")
            case .failed(let f, let before):
                details.append("dry run on a shadow database: FAILED at \(f.location) (\(before) applied before it)")
                diags.append(.error("\(request.address): the dry run failed: \(f.error)", detail: "statement: \(MigrationFailure.firstLine(f.statement))\nThe real database was not touched.",
                                    at: SourceLocation(file: f.file, line: f.line, column: 1)))
            case .unavailable(let why):
                details.append("no dry run: \(why)")
            }
        } else {
            details.append("no dry run: shadow: false")
        }
        details += Self.rollbackLines(status.pending)
        let action: Action = request.prior == nil ? .create : .update
        let n = status.pending.count
        return PlanResponse(action: action, reasons: ["\(n) pending migration\(n == 1 ? "" : "s")"], plannedOutputs: planned, details: details, diagnostics: diags)
    }

    /// `migrations` output: every file up to `version`, name → checksum. The folder and the
    /// history agree by then (a changed applied file is a plan and apply error).
    static func checksums(_ files: [MigrationFile], upTo version: Int) -> Value {
        .map(Dictionary(files.filter { $0.version <= version }.map { ($0.fileName, Value.string($0.checksum)) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Down files, newest first; irreversible ones marked.
    static func rollback(_ pending: [MigrationFile]) -> [String] {
        pending.reversed().map { $0.downPath ?? "\($0.path): IRREVERSIBLE (no down file)" }
    }

    static func rollbackLines(_ pending: [MigrationFile]) -> [String] {
        ["rollback plan (newest first):"] + rollback(pending).map { "  \($0)" }
    }

    /// Lint lines for the plan, and diagnostics: error findings block in protected environments.
    static func lint(_ pending: [MigrationFile], protected: Bool, address: ResourceAddress) -> ([String], [Diagnostic]) {
        guard MigrationLint.isAvailable else { return (["zero-downtime lint: not available in this build (OGFSQLLint missing)"], []) }
        var lines: [String] = []
        var diags: [Diagnostic] = []
        for m in pending {
            for f in MigrationLint.lint(file: m.path, sql: m.sql) {
                lines.append("  " + f.rendered)
                let detail = "why: \(f.why)\ninstead: \(f.safeAlternative)" + (f.blocks ? "\nto accept it, put `-- ogf:allow \(f.ruleID) <reason>` above the statement" : "")
                let loc = SourceLocation(file: f.file, line: f.line, column: f.column)
                if f.blocks && protected {
                    diags.append(.error("\(address): [\(f.ruleID)] \(f.message) (blocks apply in a protected environment)", detail: detail, at: loc))
                } else if f.allowedReason == nil {
                    diags.append(.warning("\(address): [\(f.ruleID)] \(f.message)", detail: detail, at: loc))
                }
            }
        }
        return ([lines.isEmpty ? "zero-downtime lint: no findings" : "zero-downtime lint:"] + lines, diags)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let s = Settings(try request.decode(Config.self), request.context)
        let (folder, problems) = try Self.readFolder(s.folder, root: request.context.projectRoot)
        guard problems.isEmpty else { throw ResourceFailure(problems.map(\.description).joined(separator: "\n")) }
        let app = "ogf apply \(request.context.environment) by \(request.context.operatorName) pid \(getpid())"
        let conn = try await s.target.connect(application: app)
        do {
            request.progress("waiting for the migration lock")
            try await s.migrator.lock(conn, wait: s.config.lockWait.seconds)
        } catch let e as MigrationLockTimeout {
            throw ResourceFailure(e.description)
        }
        // On the connection's thread too; after a cancellation the connection refuses it and
        // closing the session releases the lock.
        defer { let m = s.migrator; conn.runDetached { m.unlock($0) } }
        // Read again under the lock: another migrator may have run since the plan.
        let history = s.migrator.history
        let status = MigrationStatus(files: folder.migrations, applied: try await pg(conn) { try history.read($0) }, folder: s.folder)
        guard status.problems.isEmpty else { throw ResourceFailure(status.problems.map(\.description).joined(separator: "\n")) }
        let from = status.currentVersion
        if request.context.isProtected {
            let blocking = status.pending.flatMap { MigrationLint.lint(file: $0.path, sql: $0.sql) }.filter(\.blocks)
            if !blocking.isEmpty {
                throw ResourceFailure("zero-downtime lint errors block apply in the protected environment \(request.context.environment):\n"
                    + blocking.map { "  " + $0.rendered }.joined(separator: "\n") + "\nFix them, or accept one with `-- ogf:allow RULE reason` above its statement.",
                    outputs: ["version": .int(from), "previous_version": .int(from), "pending": .int(status.pending.count)])
            }
        }
        if !status.pending.isEmpty, let b = s.backup?.unmarked.stringValue {
            guard FileManager.default.fileExists(atPath: request.context.path(b)) else {
                throw ResourceFailure("the backup \(b) does not exist; refusing to migrate without it",
                                      outputs: ["version": .int(from), "previous_version": .int(from), "pending": .int(status.pending.count)])
            }
        }
        var applied: [(MigrationFile, Int)] = []
        do {
            // On the connection's own thread: a migration may run up to statement_timeout (15
            // minutes by default). Cancelling the apply cancels the statement in flight; the
            // server rolls the migration's transaction back, history row included.
            let migrator = s.migrator, pending = status.pending, progress = request.progress
            applied = try await conn.run { c in
                try migrator.apply(pending, on: c) { m, ms in progress("applied \(m.fileName) in \(ms)ms") }
            }
        } catch let f as MigrationFailure {
            let ok = status.pending.prefix { $0.version < (status.pending.first { $0.path == f.file }?.version ?? Int.max) }
            let last = ok.last?.version ?? from
            let outputs: [String: Value] = ["version": .int(last), "previous_version": .int(from), "pending": .int(status.pending.count - ok.count),
                                            "applied": .list(ok.map { .string($0.fileName) }), "rollback": .list(Self.rollback(Array(ok)).map { .string($0) }),
                                            "migrations": Self.checksums(folder.migrations, upTo: last)]
            throw ResourceFailure("migration failed at \(request.context.redact(f.description))\nThe database is at version \(last), the last good one"
                + (ok.isEmpty ? " (nothing was applied)." : " (\(ok.map(\.fileName).joined(separator: ", ")) applied).")
                + " \(f.file) was rolled back\(f.partiallyApplied ? " as far as a no-transaction file can be" : "") and later migrations did not run.",
                outputs: outputs)
        } catch let e as PostgresError {
            throw ResourceFailure("migrating \(s.target.shown): \(DatabaseURL.mask(e.description, password: s.target.url.password))")
        }
        let to = applied.last?.0.version ?? from
        let total = applied.map(\.1).reduce(0, +)
        let outputs: [String: Value] = ["version": .int(to), "previous_version": .int(from), "pending": .int(status.pending.count),
                                        "applied": .list(applied.map { .string($0.0.fileName) }),
                                        "rollback": .list(Self.rollback(status.pending).map { .string($0) }),
                                        "migrations": Self.checksums(folder.migrations, upTo: to)]
        let summary = applied.isEmpty ? "version \(from), nothing pending"
            : "version \(from) → \(to) (\(applied.count) migration\(applied.count == 1 ? "" : "s") in \(DurationText.format(Double(total) / 1000))); rollback: "
                + status.pending.reversed().map { $0.downPath.map { ($0 as NSString).lastPathComponent } ?? "\($0.fileName) IRREVERSIBLE" }.joined(separator: ", ")
        return ApplyResponse(outputs: outputs, summary: summary)
    }

    static func readFolder(_ folder: String, root: String) throws -> (MigrationFolder, [MigrationFolder.Problem]) {
        do { return try MigrationFolder.read(folder, root: root) } catch let p as MigrationFolder.Problem { throw ResourceFailure(p.description) }
    }
}

/// Runs libpq calls on the connection's own thread (cancellable with the task), turning a server
/// error into a ResourceFailure.
func pg<T: Sendable>(_ conn: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
    do { return try await conn.run(body) } catch let e as PostgresError { throw ResourceFailure(e.description) }
}
