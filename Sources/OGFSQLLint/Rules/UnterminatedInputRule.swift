/// Reports a quote, dollar quote or block comment that never closes: it swallows the rest of the file, so the
/// statements after it were neither split nor checked.
public struct UnterminatedInputRule: LintRule {
    public static let id = "unterminated-input"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        migration.script.issues.map { issue in
            finding(
                in: migration, line: issue.line, column: issue.column, statementIndex: nil,
                message: issue.message,
                whyDangerous: "Everything after this point is read as part of it, so the linter could not check those "
                    + "statements, and PostgreSQL will reject or misread the file.",
                safeAlternative: "Close the quote, dollar quote (same tag) or comment.")
        }
    }
}
