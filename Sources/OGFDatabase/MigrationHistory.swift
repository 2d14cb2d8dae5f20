import Foundation

/// A row of the history table.
public struct AppliedMigration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var checksum: String
    public var appliedAt: String
}

/// The history table (`ogf_schema_migrations` by default): one row per applied migration with
/// version, name, checksum, applied_at, execution_ms, applied_by and ogf_version.
public struct MigrationHistory: Sendable {
    public var table: String

    public init(table: String = "ogf_schema_migrations") { self.table = table }

    var quoted: String { PostgresConnection.quoteIdentifier(table) }

    public var createSQL: String {
        """
        CREATE TABLE IF NOT EXISTS \(quoted) (
            version      bigint PRIMARY KEY,
            name         text NOT NULL,
            checksum     text NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            execution_ms integer NOT NULL,
            applied_by   text NOT NULL,
            ogf_version  text NOT NULL
        )
        """
    }

    /// The insert run in the same transaction as the migration; execution_ms is measured by the
    /// server from the transaction's start ($4 NULL) or from a given start (no-transaction files), so it costs
    /// no extra round trip.
    public var insertSQL: String {
        "INSERT INTO \(quoted) (version, name, checksum, execution_ms, applied_by, ogf_version) "
            + "VALUES ($1, $2, $3, (extract(epoch FROM clock_timestamp() - coalesce($4::timestamptz, now())) * 1000)::integer, $5, $6)"
    }

    public func exists(_ c: PostgresConnection) throws -> Bool {
        try c.query("SELECT to_regclass($1) IS NOT NULL", [quoted]).firstValue == "t"
    }

    /// The applied migrations, oldest first; empty when the table does not exist yet.
    public func read(_ c: PostgresConnection) throws -> [AppliedMigration] {
        guard try exists(c) else { return [] }
        let r = try c.query("SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM \(quoted) ORDER BY version")
        return r.rows.map { AppliedMigration(version: Int($0[0] ?? "") ?? 0, name: $0[1] ?? "", checksum: $0[2] ?? "", appliedAt: $0[3] ?? "") }
    }
}

/// What a migrations folder means against a database's history.
public struct MigrationStatus: Sendable {
    public var applied: [AppliedMigration]
    public var pending: [MigrationFile]
    /// Modified, missing and out-of-order migrations: each blocks the plan and names its file.
    public var problems: [MigrationFolder.Problem]

    /// The highest applied version, or 0 for an empty database.
    public var currentVersion: Int { applied.map(\.version).max() ?? 0 }
    public var targetVersion: Int { pending.last?.version ?? currentVersion }

    public init(files: [MigrationFile], applied: [AppliedMigration], folder: String) {
        self.applied = applied
        let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
        let appliedVersions = Set(applied.map(\.version))
        let current = applied.map(\.version).max() ?? 0
        var problems: [MigrationFolder.Problem] = []
        for a in applied {
            guard let f = byVersion[a.version] else {
                let guess = (folder as NSString).appendingPathComponent(String(format: "%04d_%@.up.sql", a.version, a.name))
                problems.append(.init(file: guess, message: "migration \(a.version) (\(a.name)) was applied on \(a.appliedAt) but its file is missing; restore it from version control (an applied migration must stay in the folder)"))
                continue
            }
            if f.checksum != a.checksum {
                problems.append(.init(file: f.path, message: "changed after it was applied on \(a.appliedAt) (checksum \(a.checksum.prefix(12))… recorded, \(f.checksum.prefix(12))… now); revert the edit and put the change in a new migration"))
            }
        }
        var pending: [MigrationFile] = []
        for f in files where !appliedVersions.contains(f.version) {
            if f.version < current {
                problems.append(.init(file: f.path, message: "out of order: version \(f.version) was never applied but the database is already at version \(current); rename it to a version above \(current)"))
            } else {
                pending.append(f)
            }
        }
        // ogf wraps each migration in its own transaction; a COMMIT inside a file would end it early
        // and leave the history row outside it.
        for f in pending {
            let (statements, flags) = MigrationStatement.parse(f.sql)
            if !flags.noTransaction, !f.outsideTransaction, let s = statements.first(where: \.isTransactionControl) {
                problems.append(.init(file: f.path, line: s.line, message: "transaction control (\(s.text.prefix(20))) in a migration: ogf runs each file in its own transaction; remove it, or mark the file -- ogf:no-transaction"))
            }
        }
        self.pending = pending
        self.problems = problems
    }
}
