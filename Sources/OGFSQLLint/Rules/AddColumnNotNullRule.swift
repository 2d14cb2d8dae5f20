/// Rule 4: `ADD COLUMN ... NOT NULL` needs a DEFAULT on an existing table.
public struct AddColumnNotNullRule: StatementLintRule {
    public static let id = "add-column-not-null-without-default"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            guard case .addColumn(let column) = action.kind,
                  let notNull = column.notNullToken ?? column.primaryKeyToken,
                  !column.hasRealDefault,
                  // serial, identity and generated columns get their values without a DEFAULT clause.
                  !column.isSerial, !column.isIdentity, column.generatedToken == nil else { return nil }
            return finding(
                in: migration, statement: statement, at: notNull,
                message: "Column \(column.name) is added to existing table \(alter.table) as NOT NULL without a DEFAULT",
                whyDangerous: "Existing rows have no value for the new column, so on any non-empty table the ALTER "
                    + "fails (\"contains null values\") and the deploy stops; where it succeeds, the old app version, "
                    + "which does not know the column, can no longer INSERT.",
                safeAlternative: "Add the column with a constant DEFAULT (PostgreSQL 11+ stores it without rewriting "
                    + "the table), or add it nullable, backfill in batches, then add CHECK (col IS NOT NULL) NOT VALID, "
                    + "VALIDATE it, and SET NOT NULL.")
        }
    }
}
