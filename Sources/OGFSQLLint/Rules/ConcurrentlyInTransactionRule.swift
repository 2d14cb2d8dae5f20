/// Rule 3: `CONCURRENTLY` operations cannot run inside a transaction block.
public struct ConcurrentlyInTransactionRule: StatementLintRule {
    public static let id = "concurrently-in-transaction"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        // REFRESH MATERIALIZED VIEW CONCURRENTLY is the one CONCURRENTLY that works inside a transaction.
        guard statement.tokens.first?.isKeyword("REFRESH") != true,
              let concurrently = statement.tokens.first(where: { $0.isKeyword("CONCURRENTLY") }),
              migration.runsInTransaction(statement.index) else { return [] }
        let place = migration.directives.runsOutsideTransaction
            ? "between BEGIN and COMMIT"
            : "in a file ogf runs in a transaction (it has no `-- ogf:no-transaction`)"
        return [finding(
            in: migration, statement: statement, at: concurrently,
            message: "CONCURRENTLY used \(place)",
            whyDangerous: "PostgreSQL refuses to run a CONCURRENTLY operation inside a transaction block "
                + "(\"cannot run inside a transaction block\"): the migration fails in the middle of the deploy.",
            safeAlternative: "Put the statement in its own migration file marked `-- ogf:no-transaction`, "
                + "outside any BEGIN ... COMMIT.")]
    }
}
