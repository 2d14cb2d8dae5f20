/// Rule 2: `DROP INDEX` must be `CONCURRENTLY`.
public struct DropIndexConcurrentlyRule: StatementLintRule {
    public static let id = "drop-index-without-concurrently"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        var cursor = TokenCursor(statement.tokens)
        guard cursor.skip("DROP", "INDEX"), !cursor.isLooking(at: "CONCURRENTLY") else { return [] }
        cursor.skip("IF", "EXISTS")
        let name = cursor.readQualifiedName().map { " \($0)" } ?? ""
        return [finding(
            in: migration, statement: statement,
            message: "DROP INDEX\(name) without CONCURRENTLY",
            whyDangerous: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. It waits behind any "
                + "running query on that table, and every query of the app queued behind it, plain SELECTs "
                + "included, stalls until it gets and releases the lock.",
            safeAlternative: "Use DROP INDEX CONCURRENTLY (one index per statement, no CASCADE) in a migration file "
                + "marked `-- ogf:no-transaction`.")]
    }
}
