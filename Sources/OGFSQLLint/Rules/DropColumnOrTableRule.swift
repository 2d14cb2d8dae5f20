/// Rule 11: dropping a column or a table breaks the old app version, which still uses it, and loses its data.
public struct DropColumnOrTableRule: StatementLintRule {
    public static let id = "drop-column-or-table"
    public static let severity = LintSeverity.error
    public static let breaksOldApplicationVersion = true

    public init() {}

    private static let danger = "The old app version, still serving traffic during the deploy (and any rollback "
        + "target), queries it and fails from the moment this commits; the data is gone for good."
    private static let alternative = "First deploy app code that no longer reads or writes it (for Rails-style ORMs, "
        + "ignore the column), then drop it in a later contract migration marked `-- ogf:breaking`."

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        if let list = TableListStatement(statement), list.verb == .dropTable {
            let existing = list.tables.filter { !migration.isNewTable($0, before: statement.index) }
            guard !existing.isEmpty else { return [] }
            return [finding(
                in: migration, statement: statement,
                message: "DROP TABLE of existing table\(existing.count > 1 ? "s" : "") "
                    + existing.map(\.description).joined(separator: ", "),
                whyDangerous: Self.danger, safeAlternative: Self.alternative)]
        }
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            guard case .dropColumn(let column) = action.kind else { return nil }
            return finding(
                in: migration, statement: statement, at: action.firstToken,
                message: "DROP COLUMN \(column) of existing table \(alter.table)",
                whyDangerous: Self.danger, safeAlternative: Self.alternative)
        }
    }
}
