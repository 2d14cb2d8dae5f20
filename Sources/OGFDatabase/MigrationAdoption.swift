import Crypto
import Foundation
import OGFCore

/// What `ogf db adopt` did: the other tool's history read, the files recorded into ogf's history.
public struct AdoptionReport: Sendable {
    public var tool: String
    /// The other tool's history table.
    public var source: String
    public var historyTable: String
    /// Recorded into ogf's history by this run (empty when `alreadyAdopted`).
    public var adopted: [String]
    /// Files the other tool never applied: they stay pending for `ogf apply`.
    public var pending: [String]
    /// ogf's history already held exactly these migrations: nothing was written.
    public var alreadyAdopted: Bool
}

/// `ogf db adopt ENV`: a database migrated by another tool is recorded in ogf's history without running
/// anything, once every file the other tool applied is found in the folder (and, where the tool records a
/// checksum ogf can recompute — sqitch's script_hash — matches it). Checksums recorded are the files' SHA-256.
struct MigrationAdoption {
    var layout: MigrationLayout
    var folder: String
    var root: String
    var history: MigrationHistory
    var appliedBy: String
    var ogfVersion: String

    /// The other tool's view: which files it applied.
    struct Foreign {
        var source: String
        var applied: [MigrationFile]
        var problems: [String]
    }

    func adopt(_ c: PostgresConnection) throws -> AdoptionReport {
        let (read, folderProblems) = try MigrationFolder.read(folder, root: root, layout: layout)
        guard folderProblems.isEmpty else {
            throw ResourceFailure("the migrations folder has problems; fix them before adopting:\n" + folderProblems.map { "  \($0)" }.joined(separator: "\n"))
        }
        let files = read.migrations
        let foreign = try readForeign(c, files: files)
        guard foreign.problems.isEmpty else {
            throw ResourceFailure("cannot adopt \(foreign.source): nothing was recorded.\n" + foreign.problems.map { "  " + $0 }.joined(separator: "\n"))
        }
        let appliedVersions = Set(foreign.applied.map(\.version))
        let last = appliedVersions.max() ?? 0
        // ogf applies in version order: a file the other tool skipped below its last applied one would be "out of order".
        let gaps = files.filter { !appliedVersions.contains($0.version) && $0.version < last }
        guard gaps.isEmpty else {
            throw ResourceFailure("cannot adopt \(foreign.source): \(gaps.count) file\(gaps.count == 1 ? " was" : "s were") never applied by \(layout.rawValue) but come before its last applied migration, which ogf would refuse as out of order:\n"
                + gaps.map { "  \($0.path)" }.joined(separator: "\n") + "\nApply them with \(layout.rawValue) first, then adopt.")
        }
        let pending = files.filter { $0.version > last }.map(\.path)
        let existing = try history.read(c)
        if !existing.isEmpty {
            let same = existing.count == foreign.applied.count && zip(existing, foreign.applied).allSatisfy { $0.version == $1.version && $0.checksum == $1.checksum }
            guard same else {
                throw ResourceFailure("\(history.table) already holds \(existing.count) migration\(existing.count == 1 ? "" : "s") that differ from what \(foreign.source) records; adopt only into an empty ogf history")
            }
            return AdoptionReport(tool: layout.rawValue, source: foreign.source, historyTable: history.table, adopted: [], pending: pending, alreadyAdopted: true)
        }
        let insert = "INSERT INTO \(history.quoted) (version, name, checksum, execution_ms, applied_by, ogf_version) VALUES ($1, $2, $3, 0, $4, $5)"
        var batch: [(sql: String, params: [String?])] = [("BEGIN", []), (history.createSQL, [])]
        let by = "\(appliedBy) (adopted from \(foreign.source))"
        batch += foreign.applied.map { (insert, [String($0.version), $0.name, $0.checksum, by, ogfVersion]) }
        batch.append(("COMMIT", []))
        if let (_, error) = try c.pipeline(batch) {
            _ = try? c.execute("ROLLBACK")
            throw ResourceFailure("recording the adopted migrations in \(history.table) failed, nothing was recorded: \(error)")
        }
        return AdoptionReport(tool: layout.rawValue, source: foreign.source, historyTable: history.table,
                              adopted: foreign.applied.map(\.path), pending: pending, alreadyAdopted: false)
    }

    private func tableExists(_ c: PostgresConnection, _ name: String) throws -> Bool {
        try c.query("SELECT to_regclass($1) IS NOT NULL", [name]).firstValue == "t"
    }

    private func missing(_ id: String) -> String {
        "\(id) was applied by \(layout.rawValue) but no file in \(folder) has it; restore the file from version control before adopting"
    }

    func readForeign(_ c: PostgresConnection, files: [MigrationFile]) throws -> Foreign {
        let byID = Dictionary(files.compactMap { f in f.foreignID.map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
        switch layout {
        case .ogf:
            throw ResourceFailure("layout: ogf has no other tool's history to adopt; set layout: to the tool that migrated this database (golang-migrate, diesel, flyway or sqitch)")
        case .diesel:
            let table = "__diesel_schema_migrations"
            guard try tableExists(c, table) else { throw ResourceFailure("no \(table) table: Diesel never migrated this database") }
            let ids = try c.query("SELECT version FROM \(table) ORDER BY version").rows.compactMap { $0[0] ?? nil }
            return Foreign(source: "diesel's \(table)", applied: ids.compactMap { byID[$0] }.sorted { $0.version < $1.version },
                           problems: ids.filter { byID[$0] == nil }.map { "version " + missing($0) })
        case .golangMigrate:
            let table = "schema_migrations"
            guard try tableExists(c, table) else { throw ResourceFailure("no \(table) table: golang-migrate never migrated this database") }
            guard let row = try c.query("SELECT version, dirty FROM \(table) LIMIT 1").rows.first, let v = Int(row[0] ?? "") else {
                return Foreign(source: "golang-migrate's \(table)", applied: [], problems: [])
            }
            if row[1] == "t" {
                return Foreign(source: "golang-migrate's \(table)", applied: [], problems: ["golang-migrate marks version \(v) dirty: it failed halfway. Repair the database and run `migrate force` before adopting"])
            }
            let problems = files.contains { $0.version == v } ? [] : ["version " + missing(String(v))]
            return Foreign(source: "golang-migrate's \(table)", applied: files.filter { $0.version <= v }, problems: problems)
        case .flyway:
            let table = "flyway_schema_history"
            guard try tableExists(c, table) else { throw ResourceFailure("no \(table) table: Flyway never migrated this database") }
            var applied: Set<Int> = []
            var baseline = 0
            var problems: [String] = []
            for row in try c.query("SELECT version, type, success::text FROM \(table) WHERE version IS NOT NULL ORDER BY installed_rank").rows {
                let written = row[0] ?? ""
                guard let v = Int(written) else { problems.append("Flyway version \(written) is not a whole number; ogf cannot adopt it"); continue }
                if row[2] != "true" { problems.append("Flyway records version \(written) as failed; repair it (flyway repair) before adopting") }
                switch row[1] {
                case "UNDO_SQL"?: applied.remove(v)
                case "BASELINE"?: baseline = max(baseline, v)
                default: applied.insert(v)
                }
            }
            let versions = Set(files.map(\.version))
            problems += applied.sorted().filter { !versions.contains($0) }.map { "version " + missing(String($0)) }
            // Files at or below a baseline were in the database before Flyway: they count as applied.
            let adopted = files.filter { applied.contains($0.version) || $0.version <= baseline }
            return Foreign(source: "flyway's \(table)", applied: adopted, problems: problems)
        case .sqitch:
            guard try tableExists(c, "sqitch.changes") else { throw ResourceFailure("no sqitch.changes table: sqitch never deployed to this database") }
            let project = sqitchProject()
            let rows = try c.query("SELECT change, script_hash FROM sqitch.changes WHERE $1::text IS NULL OR project = $1 ORDER BY committed_at", [project]).rows
            var problems: [String] = []
            var adopted: [MigrationFile] = []
            for row in rows {
                let name = row[0] ?? ""
                guard let f = byID[name] else { problems.append("change " + missing(name)); continue }
                if let hash = row[1], !hash.isEmpty, hash != Self.sha1(f.sql) {
                    problems.append("\(f.path) changed since sqitch deployed it (script_hash \(hash.prefix(12))… recorded); revert the edit")
                }
                adopted.append(f)
            }
            return Foreign(source: "sqitch's sqitch.changes", applied: adopted.sorted { $0.version < $1.version }, problems: problems)
        }
    }

    /// `%project=NAME` from sqitch.plan.
    func sqitchProject() -> String? {
        let abs = MigrationFolder.absolute(folder, root: root)
        guard let text = try? String(contentsOfFile: (abs as NSString).appendingPathComponent("sqitch.plan"), encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("%project=") }.map { String($0.dropFirst("%project=".count)).trimmingCharacters(in: .whitespaces) }
    }

    static func sha1(_ text: String) -> String {
        Insecure.SHA1.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension PostgresSchemaKind {
    /// Adopts the database of a postgres_schema resource (its evaluated configuration) from the tool its
    /// `layout:` names. Takes the migration lock, so no ogf apply runs meanwhile.
    public static func adopt(_ config: [String: Value], context: KindContext) async throws -> AdoptionReport {
        let c = try ConfigDecoder.decode(Config.self, from: config)
        let app = "ogf db adopt \(context.environment) by \(context.operatorName) pid \(getpid())"
        let conn = try await c.target.connect(application: app)
        let migrator = c.migrator(context)
        do {
            try await migrator.lock(conn, wait: c.lockWait.seconds)
        } catch let e as MigrationLockTimeout {
            throw ResourceFailure(e.description)
        }
        defer { conn.runDetached { migrator.unlock($0) } }
        let adoption = MigrationAdoption(layout: c.layout, folder: c.folder, root: context.projectRoot, history: migrator.history,
                                         appliedBy: context.operatorName, ogfVersion: OGFVersion.current)
        do {
            return try await conn.run { try adoption.adopt($0) }
        } catch let p as MigrationFolder.Problem {
            throw ResourceFailure(p.description)
        } catch let e as PostgresError {
            throw ResourceFailure("adopting \(c.target.shown): \(DatabaseURL.mask(e.description, password: c.target.url.password))")
        }
    }
}
