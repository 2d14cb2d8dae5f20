import Foundation
import OGFCore
import OGFSupport

/// `postgres_backup`: a `pg_dump --format=custom` of the database into `backups/<ENV>/`,
/// verified with `pg_restore --list`, with path, size, SHA-256, server version and schema
/// version recorded as outputs; keeps the newest `keep` dumps.
///
/// When is it taken? With `migrations:` set (the same folder as the postgres_schema), the plan
/// reads the history itself and plans a new backup exactly when migrations are pending; the
/// schema resource references `${postgres_backup.NAME.path}`, which orders the backup first.
/// Without `migrations:`, it is taken once and again when `triggers` change or with `always`.
public struct PostgresBackupKind: ResourceKind {
    let processes: any ProcessRunner

    public init(processes: any ProcessRunner) { self.processes = processes }

    public let name = "postgres_backup"
    public let role = ResourceRole.managed
    public let summary = "pg_dump --format=custom backup, verified with pg_restore --list; taken when migrations are pending; keeps the newest N."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, sensitive: true, doc: "postgres:// URL of the database to back up."),
        FieldSpec("dir", .string, doc: "Folder for the dumps, relative to the project folder (default backups/<ENV>)."),
        FieldSpec("keep", .int, default: 10, doc: "How many of this database's dumps to keep in dir; older ones are deleted after a verified backup."),
        FieldSpec("migrations", .string, doc: "The postgres_schema's migrations folder: a backup is planned whenever some of them are pending."),
        FieldSpec("history_table", .string, default: "ogf_schema_migrations", doc: "The history table to read the schema version from."),
        FieldSpec("layout", .string, default: "ogf", doc: "The migrations folder's layout, as the postgres_schema's layout: (ogf, golang-migrate, diesel, flyway, sqitch)."),
        FieldSpec("triggers", .map(.any), forcesReplacement: true, doc: "Arbitrary values; a new backup is taken when any changes."),
        FieldSpec("always", .bool, default: false, doc: "Take a backup on every apply."),
        FieldSpec("pg_dump", .string, default: "pg_dump", doc: "The pg_dump program (its major version must be at least the server's)."),
        FieldSpec("pg_restore", .string, default: "pg_restore", doc: "The pg_restore program used to verify the dump."),
        FieldSpec("timeout", .duration, default: "1h", doc: "Stop pg_dump after this long and fail."),
        FieldSpec("encrypt_with", .string, sensitive: true, doc: "Encrypt the dump with this key (`${secret.BACKUP_KEY}`, at least 32 characters): AES-256-GCM in authenticated chunks (docs/database.md#encrypted-backups), verified by pg_restore --list on the decrypted stream; the key is never stored."),
    ])
    public let outputs = [
        "path": "The dump file, relative to the project folder.",
        "size_bytes": "Its size.",
        "sha256": "SHA-256 of the file, checked again by `ogf db restore`.",
        "server_version": "The server's version when the dump was taken.",
        "schema_version": "The highest applied migration the dump captured (0 without a history table).",
        "taken_at": "UTC time the dump finished.",
        "toc_entries": "Entries pg_restore --list read from the archive.",
        "encrypted": "Whether the dump is encrypted (encrypt_with).",
        "encryption_key": "The key's salted hash (state never holds the key), to tell which key a backup needs.",
    ]

    var unknownOutputs: [String: Value] { Dictionary(uniqueKeysWithValues: outputs.keys.map { ($0, Value.unknown) }) }

    struct Config: Decodable {
        /// nil while the URL is known only after apply (the plan still shows where the dumps go).
        var url: PostgresTarget?
        var dir: String?
        var keep: Int
        var migrations: String?
        var historyTable: String
        var layout: MigrationLayout
        var always: Bool
        var pgDump: String
        var pgRestore: String
        var timeout: ConfigDuration
        /// The backup key; nil without encryption.
        var encryptWith: String?

        enum CodingKeys: String, CodingKey {
            case url, dir, keep, migrations, historyTable = "history_table", layout, always, pgDump = "pg_dump", pgRestore = "pg_restore", timeout
            case encryptWith = "encrypt_with"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(Value.self, forKey: .url).isKnown ? try c.decode(PostgresTarget.self, forKey: .url) : nil
            dir = try c.decodeIfPresent(String.self, forKey: .dir)
            keep = try c.decode(Int.self, forKey: .keep)
            migrations = try c.decodeIfPresent(String.self, forKey: .migrations)
            historyTable = try c.decode(String.self, forKey: .historyTable)
            let layoutName = try c.decode(String.self, forKey: .layout)
            guard let layout = MigrationLayout(rawValue: layoutName) else {
                throw Diagnostic.field("layout", "unknown layout \"\(layoutName)\": use one of \(MigrationLayout.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.layout = layout
            always = try c.decode(Bool.self, forKey: .always)
            pgDump = try c.decode(String.self, forKey: .pgDump)
            pgRestore = try c.decode(String.self, forKey: .pgRestore)
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
            if let key = try c.decodeIfPresent(Marked<String>.self, forKey: .encryptWith) {
                guard key.isSensitive else {
                    throw Diagnostic.field("encrypt_with", "the key must come from a secret (\"${secret.BACKUP_KEY}\"): a key written in the configuration is in git")
                }
                guard key.value.count >= 32 else {
                    throw Diagnostic.field("encrypt_with", "the key is \(key.value.count) characters; use at least 32 (for example: openssl rand -base64 48)")
                }
                encryptWith = key.value
            }
            guard keep >= 1 else {
                throw Diagnostic.field("keep", "must be at least 1, got \(keep): the backup just taken is always kept")
            }
        }

        func dir(_ ctx: KindContext) -> String { dir ?? "backups/\(ctx.environment)" }

        /// The URL; known at apply.
        var target: PostgresTarget {
            get throws {
                guard let url else { throw ResourceFailure("url is not known") }
                return url
            }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        // nil only when some setting other than the URL is known only after apply.
        let c = try request.decodeIfKnown(Config.self)
        let details = c.map { detail($0, request.context) } ?? []
        guard let prior = request.prior else {
            return PlanResponse(action: .create, reasons: ["no backup recorded yet"], plannedOutputs: unknownOutputs, details: details)
        }
        if prior.status != .ready { return PlanResponse(action: .replace, reasons: ["the last backup failed"], plannedOutputs: unknownOutputs, details: details) }
        let forcing = request.changedFields.filter { schema.field($0)?.forcesReplacement == true }
        if !forcing.isEmpty { return PlanResponse(action: .replace, reasons: forcing.map { "\($0) changed" }, plannedOutputs: unknownOutputs, details: details) }
        if c?.always == true { return PlanResponse(action: .replace, reasons: ["always: true"], plannedOutputs: unknownOutputs, details: details) }
        if let c, let folder = c.migrations, request.refresh, let target = c.url {
            do {
                let pending = try await pendingCount(c, target: target, folder: folder, context: request.context)
                if pending > 0 {
                    return PlanResponse(action: .replace, reasons: ["\(pending) pending migration\(pending == 1 ? "" : "s") in \(folder)"],
                                        plannedOutputs: unknownOutputs, details: details)
                }
            } catch {
                // The schema resource reports unreadable folders and histories; take a backup to be safe.
                return PlanResponse(action: .replace, reasons: ["cannot tell whether migrations are pending"], plannedOutputs: unknownOutputs,
                                    details: details,
                                    diagnostics: [.warning("\(request.address): \(request.context.redact("\(error)"))")])
            }
        }
        if !request.changedFields.isEmpty { return PlanResponse(action: .update, plannedOutputs: prior.outputs) }
        return PlanResponse(action: .noop, plannedOutputs: prior.outputs)
    }

    func detail(_ c: Config, _ ctx: KindContext) -> [String] {
        ["pg_dump --format=custom into \(c.dir(ctx))/" + (c.encryptWith == nil ? "" : ", encrypted (AES-256-GCM)")
         + ", verified with pg_restore --list; keeps the newest \(c.keep)"]
    }

    func pendingCount(_ c: Config, target: PostgresTarget, folder: String, context: KindContext) async throws -> Int {
        let (f, _) = try MigrationFolder.read(folder, root: context.projectRoot, layout: c.layout)
        let conn = try await target.connect(application: "ogf plan \(context.environment) (backup check)")
        let history = MigrationHistory(table: c.historyTable)
        let status = MigrationStatus(files: f.migrations, applied: try await conn.run { try history.read($0) }, folder: folder)
        return status.pending.count
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        if request.action == .update, let prior = request.prior {
            return ApplyResponse(outputs: prior.outputs, summary: "settings updated; no new backup")
        }
        let target = try c.target
        let tools = PostgresTools(runner: processes, pgDump: c.pgDump, pgRestore: c.pgRestore, environment: request.context.variables)
        let conn = try await target.connect(application: "ogf apply \(request.context.environment) (backup)")
        let serverVersion = try await pg(conn) { try $0.query("SHOW server_version").firstValue ?? "?" }
        let dump = try await wrap { try await tools.dumpMajorVersion() }
        guard dump.major >= conn.serverMajorVersion else {
            throw ResourceFailure("refusing to back up: \(dump.text) is older than the server (PostgreSQL \(serverVersion)); a dump from an older pg_dump may be incomplete. Install postgresql-client-\(conn.serverMajorVersion) or set pg_dump: to its path.")
        }
        let history = MigrationHistory(table: c.historyTable)
        let schemaVersion = try await pg(conn) { try history.read($0).map(\.version).max() ?? 0 }

        let dirRel = c.dir(request.context)
        let dir = request.context.path(dirRel)
        // A dump holds every row: readable by the deploying account only.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if chmod(dir, 0o700) != 0 {
            throw ResourceFailure("cannot make \(dirRel) private (mode 0700): \(String(cString: strerror(errno)))")
        }
        let stamp = Self.stamp(Date())
        let base = "\(Self.prefix(target.url))\(stamp)-v\(schemaVersion).dump" + (c.encryptWith == nil ? "" : ".enc")
        let finalPath = (dir as NSString).appendingPathComponent(base)
        let partial = finalPath + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        // pg_dump truncates the file it is given and keeps its mode: create it private first.
        let pfd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard pfd >= 0 else { throw ResourceFailure("cannot create \(partial): \(String(cString: strerror(errno)))") }
        fchmod(pfd, 0o600)
        close(pfd)
        request.progress("pg_dump of \(target.url.database) (schema version \(schemaVersion))")
        try await wrap { try await tools.dump(target.url, to: partial, timeout: c.timeout.seconds) }
        var cipher: BackupCipher?
        if let key = c.encryptWith {
            request.progress("encrypting (AES-256-GCM)")
            let encrypted = finalPath + ".partial"
            let plain = partial + ".plain"
            try FileManager.default.moveItem(atPath: partial, toPath: plain)
            defer { try? FileManager.default.removeItem(atPath: plain) }
            cipher = BackupCipher(key: key)
            try Self.encrypt(plain, to: encrypted, with: cipher!)
        }
        request.progress("verifying with pg_restore --list" + (cipher == nil ? "" : " on the decrypted stream"))
        let entries = try await wrap { try await tools.verify(partial, url: target.url, cipher: cipher) }
        try FileManager.default.moveItem(atPath: partial, toPath: finalPath)
        let size = (try FileManager.default.attributesOfItem(atPath: finalPath)[.size] as? NSNumber)?.intValue ?? 0
        let sha = try wrapSync { try PostgresTools.sha256(finalPath) }
        let pruned = Self.prune(dir: dir, prefix: Self.prefix(target.url), keep: c.keep)
        let rel = (dirRel as NSString).appendingPathComponent(base)
        var outputs: [String: Value] = ["path": .string(rel), "size_bytes": .int(size), "sha256": .string(sha), "server_version": .string(serverVersion),
                                        "schema_version": .int(schemaVersion), "taken_at": .string(ISO8601DateFormatter().string(from: Date())),
                                        "toc_entries": .int(entries), "encrypted": .bool(cipher != nil)]
        if let key = c.encryptWith { outputs["encryption_key"] = .sensitive(.string(key)) }
        return ApplyResponse(outputs: outputs, summary: "\(rel) (\(Self.bytes(size)), \(entries) entries verified, schema version \(schemaVersion))"
            + (pruned.isEmpty ? "" : "; removed \(pruned.count) older"))
    }

    /// `offgridflow_local-` : dumps of one database share the prefix, so `keep` never touches another's.
    static func prefix(_ url: DatabaseURL) -> String { "\(url.database.isEmpty ? "db" : url.database)-" }

    static func stamp(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return f.string(from: d)
    }

    /// Deletes all but the newest `keep` dumps with the prefix (names sort by time); returns the deleted names.
    static func prune(dir: String, prefix: String, keep: Int) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix(prefix) && ($0.hasSuffix(".dump") || $0.hasSuffix(".dump.enc")) }.sorted()
        let old = names.dropLast(keep)
        for n in old { try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(n)) }
        return Array(old)
    }

    /// Encrypts a finished dump into a new private file, streamed chunk by chunk.
    static func encrypt(_ plain: String, to path: String, with cipher: BackupCipher) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ResourceFailure("cannot create \(path): \(String(cString: strerror(errno)))") }
        let out = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? out.close() }
        guard let input = FileHandle(forReadingAtPath: plain) else { throw ResourceFailure("cannot read the dump \(plain)") }
        defer { try? input.close() }
        try cipher.encrypt(from: input, to: out)
        try out.synchronize()
    }

    static func bytes(_ n: Int) -> String {
        n < 1024 ? "\(n) B" : n < 1 << 20 ? String(format: "%.1f KiB", Double(n) / 1024) : String(format: "%.1f MiB", Double(n) / 1048576)
    }
}

func wrap<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as PostgresTools.ToolError { throw ResourceFailure(e.description) }
}

func wrapSync<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as PostgresTools.ToolError { throw ResourceFailure(e.description) }
}

extension PostgresBackupKind {
    /// Where `ogf db restore` restores into and looks for dumps: the resource's own typed
    /// configuration (schema defaults included), so the command repeats none of it.
    public static func restoreTarget(_ config: [String: Value], context: KindContext) throws -> (url: DatabaseURL, dir: String, cipher: BackupCipher?) {
        let c = try ConfigDecoder.decode(Config.self, from: config)
        guard let target = c.url else { throw Diagnostic.field("url", "is not known without applying other resources first") }
        return (target.url, c.dir(context), c.encryptWith.map { BackupCipher(key: $0) })
    }
}
