#if canImport(OGFSQLLint)
import OGFSQLLint
#endif

/// A zero-downtime lint finding as the postgres_schema kind shows it. Mirrors OGFSQLLint's
/// `LintFinding`, so the kind does not depend on that target's exact types.
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

    /// `FILE:LINE: error[RULE]: message` then why / instead lines.
    public var rendered: String {
        var s = "\(file):\(line): \(severity.rawValue)[\(ruleID)]: \(message)"
        if let allowedReason { s += " (allowed: \(allowedReason))" }
        return s
    }
}

/// The adapter between postgres_schema and the zero-downtime linter (the `OGFSQLLint` target).
/// Built without that target, `isAvailable` is false and the plan says the lint did not run.
public enum MigrationLint {
    #if canImport(OGFSQLLint)
    public static let isAvailable = true

    public static func lint(file: String, sql: String) -> [MigrationFinding] {
        MigrationLinter().lint(file: file, sql: sql).findings.map { f in
            MigrationFinding(ruleID: f.ruleID, severity: f.severity == .error ? .error : .warning, file: f.file, line: f.line,
                             column: f.column, message: f.message, why: f.why, safeAlternative: f.safeAlternative,
                             allowedReason: f.allowedReason)
        }
    }
    #else
    public static let isAvailable = false

    public static func lint(file: String, sql: String) -> [MigrationFinding] { [] }
    #endif
}

/// `-- ogf:...` directives in a migration file.
public struct MigrationDirectives: Sendable, Equatable {
    /// `-- ogf:no-transaction`: run the statements outside a transaction (CREATE INDEX CONCURRENTLY).
    public var noTransaction = false
    /// `-- ogf:breaking`: the author says the old app version will not work with this schema.
    public var breaking = false

    public init(sql: String) {
        for raw in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("--") else { continue }
            let body = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            guard body.hasPrefix("ogf:") else { continue }
            let word = body.dropFirst(4).split(separator: " ").first.map(String.init) ?? ""
            if word == "no-transaction" { noTransaction = true }
            if word == "breaking" { breaking = true }
        }
    }
}
