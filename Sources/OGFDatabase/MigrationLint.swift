import OGFSQLLint

/// A zero-downtime lint finding as the postgres_schema kind shows it: the adapter's own shape,
/// so the kind and its tests do not lean on OGFSQLLint's internals.
public struct MigrationFinding: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning, info }
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
    /// The table's live size, or why the finding was lowered to info.
    public var note: String?

    public var blocks: Bool { severity == .error && allowedReason == nil }

    /// `FILE:LINE: error[RULE]: message`, with the allow reason when there is one.
    public var rendered: String {
        var s = "\(file):\(line): \(severity.rawValue)[\(ruleID)]: \(message)"
        if let note { s += " (\(note))" }
        if let allowedReason { s += " (allowed: \(allowedReason))" }
        return s
    }
}

/// The adapter between postgres_schema and the zero-downtime linter (the `OGFSQLLint` target).
public enum MigrationLint {
    public static let isAvailable = true

    /// Text only: what needs the schema is reported as unknown.
    public static func lint(file: String, sql: String, outsideTransaction: Bool = false) -> [MigrationFinding] {
        var memory = LintPlanMemory()
        return MigrationLinter().lint(file: file, sql: sql, catalog: nil, memory: &memory, outsideTransaction: outsideTransaction)
            .findings.map(finding)
    }

    /// Lints `pending` in order against `connection`'s catalog (the live database; each file also sees what the
    /// earlier ones create) and weighs the findings by the live table sizes: what apply re-checks in a protected
    /// environment. Synchronous: call it on the connection's thread (`PostgresConnection.run`).
    public static func lint(_ pending: [MigrationFile], against connection: PostgresConnection) -> [MigrationFinding] {
        let lint = PlanLint()
        let sizes = PlanLint.finish(lint, pending: pending, on: connection, source: "the live database")
        return lint.results(pending, sizes: sizes)
    }

    static func finding(_ f: LintFinding) -> MigrationFinding {
        let severity: MigrationFinding.Severity = switch f.severity {
        case .error: .error
        case .warning: .warning
        case .info: .info
        }
        return MigrationFinding(ruleID: f.ruleID, severity: severity, file: f.file, line: f.line, column: f.column,
                                message: f.message, why: f.whyDangerous, safeAlternative: f.safeAlternative,
                                allowedReason: f.allowedReason, note: f.note)
    }
}

/// Lints the pending migrations of one plan in order, each against the catalog just before it, remembering what
/// the earlier ones created. Used from one connection thread at a time (the shadow's, or the live one's).
final class PlanLint: @unchecked Sendable {
    private var memory = LintPlanMemory()
    private var findings: [String: [LintFinding]] = [:]
    private let linter = MigrationLinter()
    /// Files linted so far (in order).
    private(set) var linted: [String] = []

    /// `script`: the file already split, when the caller has it. No prefetch here: the shadow's catalog changes
    /// after every migration, and most migrations ask it one question or none, so one more query would cost more
    /// than it saves; the live catalog is prefetched once for the whole plan (`finish`).
    func lint(_ m: MigrationFile, script: SQLScript? = nil, catalog: (any LintCatalog)?) {
        let script = script ?? SQLSplitter.split(m.sql)
        findings[m.path] = linter.lint(file: m.path, script: script, catalog: catalog, memory: &memory,
                                       outsideTransaction: m.outsideTransaction).findings
        linted.append(m.path)
    }

    func isLinted(_ m: MigrationFile) -> Bool { findings[m.path] != nil }

    /// The findings of every linted file, in plan order, weighed by the live sizes when known.
    func results(_ pending: [MigrationFile], sizes: LiveTableSizes?) -> [MigrationFinding] {
        pending.flatMap { m -> [MigrationFinding] in
            let raw = findings[m.path] ?? []
            let weighed = sizes.map { s in MigrationLinter.weigh(raw, size: { s.size($0) }) } ?? raw
            return weighed.map(MigrationLint.finding)
        }
    }

    /// Lints every pending file not linted yet against `connection`'s catalog and reads its table sizes.
    static func finish(_ lint: PlanLint, pending: [MigrationFile], on connection: PostgresConnection, source: String)
        -> LiveTableSizes?
    {
        let catalog = PostgresCatalog(connection, source: source)
        let rest = pending.filter { !lint.isLinted($0) }
        let scripts = rest.map { SQLSplitter.split($0.sql) }
        // The live catalog does not change while the plan is linted: one query for every table the files alter.
        catalog.prefetch(scripts.flatMap(MigrationLinter.alteredTables(in:)))
        for (m, script) in zip(rest, scripts) { lint.lint(m, script: script, catalog: catalog) }
        return try? LiveTableSizes.read(connection)
    }
}

/// What the migrator needs from a file's `-- ogf:...` directives (parsed by OGFSQLLint).
public struct MigrationFlags: Sendable, Equatable {
    /// `-- ogf:no-transaction`: run the statements outside a transaction (CREATE INDEX CONCURRENTLY).
    public internal(set) var noTransaction: Bool
    /// `-- ogf:breaking`: the author says the old app version will not work with this schema.
    public var breaking: Bool

    public init(sql: String) { self.init(SQLSplitter.split(sql)) }

    init(_ script: SQLScript) {
        let d = MigrationDirectives(script: script)
        noTransaction = d.runsOutsideTransaction
        breaking = d.isBreaking
    }
}
