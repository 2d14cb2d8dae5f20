/// Rule 10: renaming a column or a table breaks the old app version, which keeps using the old name.
public struct RenameRule: StatementLintRule {
    public static let id = "rename-column-or-table"
    public static let severity = LintSeverity.error
    public static let breaksOldApplicationVersion = true

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            let message: String
            switch action.kind {
            case .renameColumn(let from, let to):
                message = "Column \(from) of table \(alter.table) is renamed to \(to)"
            case .renameTable(let newName):
                message = "Table \(alter.table) is renamed to \(newName)"
            default:
                return nil
            }
            return finding(
                in: migration, statement: statement, at: action.firstToken, message: message,
                whyDangerous: "During a rolling deploy the old app version keeps serving traffic with queries that use "
                    + "the old name; they fail (\"does not exist\") from the moment this commits until the last old "
                    + "instance is gone, and a rollback of the app would fail the same way.",
                safeAlternative: "Expand and contract: add the new column (or a view with the new name), write to both, "
                    + "backfill, switch reads, and drop the old one in a later migration marked `-- ogf:breaking`.")
        }
    }
}
