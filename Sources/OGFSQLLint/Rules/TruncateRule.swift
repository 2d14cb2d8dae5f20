/// Rule 12: TRUNCATE empties tables the app is using, under an ACCESS EXCLUSIVE lock.
public struct TruncateRule: StatementLintRule {
    public static let id = "truncate"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let list = TableListStatement(statement), list.verb == .truncate else { return [] }
        // Emptying a table this file just created harms nobody, unless CASCADE reaches further.
        let existing = list.tables.filter { !migration.isNewTable($0, before: statement.index) }
        guard !existing.isEmpty || list.cascades else { return [] }
        return [finding(
            in: migration, statement: statement,
            message: "TRUNCATE of \(list.tables.map(\.description).joined(separator: ", "))"
                + (list.cascades ? " with CASCADE" : ""),
            whyDangerous: "TRUNCATE takes an ACCESS EXCLUSIVE lock and removes every row at once: the app blocks, "
                + "then finds its data gone. It cannot be throttled, and CASCADE silently empties every table "
                + "that references these.",
            safeAlternative: "Delete in batches (DELETE ... WHERE id IN (SELECT id ... LIMIT 1000)) from a job, or, "
                + "if emptying the table during the deploy is truly intended, say so with "
                + "`-- ogf:allow \(Self.id) <reason>`.")]
    }
}
