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

    /// Lints `sql`, the full text of the migration file named `file` (the name only labels findings).
    public func lint(file: String, sql: String) -> LintReport {
        let script = SQLSplitter.split(sql)
        let directives = MigrationDirectives(script: script)
        let migration = MigrationContext(
            file: file, script: script, directives: directives,
            knownRuleIDs: Set(rules.map { type(of: $0).id }))
        var findings: [LintFinding] = []
        for rule in rules {
            let breaksOldVersion = type(of: rule).breaksOldApplicationVersion
            for var finding in rule.check(migration) {
                if let reason = directives.allowReason(ruleID: finding.ruleID, statementIndex: finding.statementIndex) {
                    finding.allowedReason = reason
                } else if breaksOldVersion && directives.isBreaking {
                    finding.allowedReason = "the file is marked -- ogf:breaking: it runs once no old app version is left"
                }
                findings.append(finding)
            }
        }
        findings.sort { ($0.line, $0.column, $0.ruleID, $0.message) < ($1.line, $1.column, $1.ruleID, $1.message) }
        return LintReport(file: file, findings: findings, directives: directives, statements: script.statements)
    }
}
