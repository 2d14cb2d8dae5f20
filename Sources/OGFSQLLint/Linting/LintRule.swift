/// A check for one zero-downtime danger. One rule per file; adding a rule means adding it and its test file,
/// then listing it in ``MigrationLinter/defaultRules``.
public protocol LintRule: Sendable {
    /// Stable kebab-case id, used in findings and in `-- ogf:allow RULE_ID reason`.
    static var id: String { get }
    static var severity: LintSeverity { get }
    /// Whether the danger is breaking the old app version (rather than locking): such findings are allowed
    /// automatically in a file marked `-- ogf:breaking`, which ogf runs only once no old instance is left.
    static var breaksOldApplicationVersion: Bool { get }
    /// Whether the danger is a lock or a rewrite whose cost grows with the table: such findings carry the table,
    /// show its live size, and are lowered to info on a table that is new in the plan or empty.
    static var dependsOnTableSize: Bool { get }
    /// Returns the findings for one file; the linter applies allows and sorts afterwards.
    func check(_ migration: MigrationContext) -> [LintFinding]
}

extension LintRule {
    public static var breaksOldApplicationVersion: Bool { false }
    public static var dependsOnTableSize: Bool { false }

    /// A finding of this rule at an explicit position.
    public func finding(
        in migration: MigrationContext, line: Int, column: Int, statementIndex: Int?,
        message: String, whyDangerous: String, safeAlternative: String, table: QualifiedName? = nil
    ) -> LintFinding {
        LintFinding(
            ruleID: Self.id, severity: Self.severity, file: migration.file, line: line, column: column,
            message: message, whyDangerous: whyDangerous, safeAlternative: safeAlternative,
            statementIndex: statementIndex, table: Self.dependsOnTableSize ? table?.description : nil)
    }

    /// A finding of this rule on `statement`, located at `token` when given and at the statement's start otherwise.
    public func finding(
        in migration: MigrationContext, statement: SQLStatement, at token: SQLToken? = nil,
        message: String, whyDangerous: String, safeAlternative: String, table: QualifiedName? = nil
    ) -> LintFinding {
        finding(
            in: migration, line: token?.line ?? statement.line, column: token?.column ?? statement.column,
            statementIndex: statement.index, message: message, whyDangerous: whyDangerous,
            safeAlternative: safeAlternative, table: table)
    }
}

/// A rule that looks at one statement at a time; most rules are.
public protocol StatementLintRule: LintRule {
    func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding]
}

extension StatementLintRule {
    public func check(_ migration: MigrationContext) -> [LintFinding] {
        migration.statements.flatMap { check($0, in: migration) }
    }
}
