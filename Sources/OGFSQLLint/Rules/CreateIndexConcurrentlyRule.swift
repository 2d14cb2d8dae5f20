/// Rule 1: `CREATE INDEX` on an existing table must be `CONCURRENTLY`.
public struct CreateIndexConcurrentlyRule: StatementLintRule {
    public static let id = "create-index-without-concurrently"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let create = CreateIndexStatement(statement), create.concurrently == nil, !create.isOnlyParent,
              !migration.isNewTable(create.table, before: statement.index) else { return [] }
        return [finding(
            in: migration, statement: statement,
            message: "CREATE INDEX on existing table \(create.table) without CONCURRENTLY",
            whyDangerous: "A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, "
                + "UPDATE and DELETE of the running app waits until the index is finished, which on a large table "
                + "is minutes of failed writes.",
            safeAlternative: "Use CREATE INDEX CONCURRENTLY in a migration file marked `-- ogf:no-transaction`; "
                + "if it fails it leaves an INVALID index: drop it (DROP INDEX CONCURRENTLY) and retry.",
            table: create.table)]
    }
}
