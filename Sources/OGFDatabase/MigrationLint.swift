import OGFSQLLint

/// A zero-downtime lint finding as the postgres_schema kind shows it: the adapter's own shape,
/// so the kind and its tests do not lean on OGFSQLLint's internals.
public struct MigrationFinding: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }
    public var ruleID: String
    public var severity: Severity
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var why: String
    public var safeAlternative: String
    /// Set when the statement carries `-- ogf:allow RULE reason`.
    public var allowedReason: String?

    public var blocks: Bool { severity == .error && allowedReason == nil }

    /// `FILE:LINE: error[RULE]: message`, with the allow reason when there is one.
    public var rendered: String {
        var s = "\(file):\(line): \(severity.rawValue)[\(ruleID)]: \(message)"
        if let allowedReason { s += " (allowed: \(allowedReason))" }
        return s
    }
}

/// The adapter between postgres_schema and the zero-downtime linter (the `OGFSQLLint` target).
public enum MigrationLint {
    public static let isAvailable = true

    public static func lint(file: String, sql: String) -> [MigrationFinding] {
        MigrationLinter().lint(file: file, sql: sql).findings.map { f in
            MigrationFinding(ruleID: f.ruleID, severity: f.severity == .error ? .error : .warning, file: f.file, line: f.line,
                             column: f.column, message: f.message, why: f.whyDangerous, safeAlternative: f.safeAlternative,
                             allowedReason: f.allowedReason)
        }
    }
}

/// What the migrator needs from a file's `-- ogf:...` directives (parsed by OGFSQLLint).
public struct MigrationFlags: Sendable, Equatable {
    /// `-- ogf:no-transaction`: run the statements outside a transaction (CREATE INDEX CONCURRENTLY).
    public var noTransaction: Bool
    /// `-- ogf:breaking`: the author says the old app version will not work with this schema.
    public var breaking: Bool

    public init(sql: String) { self.init(SQLSplitter.split(sql)) }

    init(_ script: SQLScript) {
        let d = MigrationDirectives(script: script)
        noTransaction = d.runsOutsideTransaction
        breaking = d.isBreaking
    }
}
