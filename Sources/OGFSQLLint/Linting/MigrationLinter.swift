/// Lints one PostgreSQL migration file for operations that lock tables the running app needs or that break the
/// old app version still serving traffic during a rolling deploy. Pure: no I/O, no database connection.
public struct MigrationLinter: Sendable {
    /// Every rule ogf ships, in no particular order (findings are sorted afterwards).
    public static let defaultRules: [any LintRule] = [
        CreateIndexConcurrentlyRule(),
        DropIndexConcurrentlyRule(),
        ConcurrentlyInTransactionRule(),
        AddColumnNotNullRule(),
        SetNotNullRule(),
        AddColumnVolatileDefaultRule(),
        AlterColumnTypeRule(),
        ConstraintNotValidRule(),
        UniqueConstraintIndexRule(),
        RenameRule(),
        DropColumnOrTableRule(),
        TruncateRule(),
        MissingLockTimeoutRule(),
        AllowWithoutReasonRule(),
        UnknownDirectiveRule(),
        UnterminatedInputRule(),
    ]

    public let rules: [any LintRule]

    public init(rules: [any LintRule] = MigrationLinter.defaultRules) {
        self.rules = rules
    }

    /// Lints `sql`, the full text of the migration file named `file` (the name only labels findings), from its
    /// text alone: whatever needs the schema (a user function's volatility, a column's current type) is reported.
    public func lint(file: String, sql: String) -> LintReport {
        var memory = LintPlanMemory()
        return lint(file: file, sql: sql, catalog: nil, memory: &memory)
    }

    /// Lints one pending migration of a plan against `catalog`, the schema just before it, and `memory`, what the
    /// plan's earlier files created; then records this file into `memory` for the next one. Lock and rewrite
    /// findings on a table an earlier file of the plan creates are lowered to info.
    /// `outsideTransaction`: the folder's layout runs the file outside a transaction, whatever its directives say.
    public func lint(
        file: String, sql: String, catalog: (any LintCatalog)?, memory: inout LintPlanMemory,
        outsideTransaction: Bool = false
    ) -> LintReport {
        lint(file: file, script: SQLSplitter.split(sql), catalog: catalog, memory: &memory, outsideTransaction: outsideTransaction)
    }

    /// The same for a file already split (ogf splits once and reads the altered tables from the same statements).
    public func lint(
        file: String, script: SQLScript, catalog: (any LintCatalog)?, memory: inout LintPlanMemory,
        outsideTransaction: Bool = false
    ) -> LintReport {
        var directives = MigrationDirectives(script: script)
        directives.layoutRunsOutsideTransaction = outsideTransaction
        let migration = MigrationContext(
            file: file, script: script, directives: directives,
            knownRuleIDs: Set(rules.map { type(of: $0).id }), catalog: catalog, memory: memory)
        var findings: [LintFinding] = []
        for rule in rules {
            let breaksOldVersion = type(of: rule).breaksOldApplicationVersion
            for var finding in rule.check(migration) {
                if let reason = directives.allowReason(ruleID: finding.ruleID, statementIndex: finding.statementIndex) {
                    finding.allowedReason = reason
                } else if breaksOldVersion && directives.isBreaking {
                    finding.allowedReason = "the file is marked -- ogf:breaking: it runs once no old app version is left"
                }
                if let table = finding.table, let creator = memory.createdBy(QualifiedName(parts: Self.parts(table))) {
                    finding.severity = .info
                    finding.note = "table \(table) is created earlier in this plan (\(creator)), so no running code uses it yet"
                }
                findings.append(finding)
            }
        }
        memory.record(migration)
        findings.sort { ($0.line, $0.column, $0.ruleID, $0.message) < ($1.line, $1.column, $1.ruleID, $1.message) }
        return LintReport(file: file, findings: findings, directives: directives, statements: script.statements)
    }

    /// Adds the live size of each finding's table, and lowers lock and rewrite findings on a table that is empty or
    /// not in the live database yet to info, saying so. `size` answers for a table name as written; nil when the
    /// size could not be read (the finding is left as it is).
    public static func weigh(_ findings: [LintFinding], size: (QualifiedName) -> TableSize?) -> [LintFinding] {
        findings.map { finding in
            guard let table = finding.table, finding.severity != .info,
                  let measured = size(QualifiedName(parts: parts(table)))
            else { return finding }
            var weighed = finding
            switch measured {
            case .populated:
                weighed.note = "\(table): \(measured.reading)"
            case .empty:
                weighed.severity = .info
                weighed.note = "table \(table) is empty in the live database, so the lock is momentary"
            case .absent:
                weighed.severity = .info
                weighed.note = "table \(table) is not in the live database: this plan creates it, so no running code uses it yet"
            }
            return weighed
        }
    }

    /// The tables the file's ALTER TABLE statements name, in order, without repeats: what the catalog will be asked
    /// about, so ogf can read their columns in one query beforehand.
    public static func alteredTables(in script: SQLScript) -> [QualifiedName] {
        var seen: Set<QualifiedName> = []
        return script.statements.compactMap { AlterTableStatement($0)?.table }.filter { seen.insert($0).inserted }
    }

    /// `billing.invoices` → ["billing", "invoices"] (names in findings are printed unquoted).
    static func parts(_ table: String) -> [String] {
        table.split(separator: ".").map(String.init)
    }
}
