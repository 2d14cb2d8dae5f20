/// Rule 6: `ADD COLUMN` whose value must be computed per row (a volatile DEFAULT, serial, identity or a stored
/// generated column) rewrites the whole table.
///
/// `now()` and `current_timestamp` are STABLE, not volatile: PostgreSQL 11+ evaluates them once and stores the
/// value in the catalog, so they do not trigger this rule.
public struct AddColumnVolatileDefaultRule: StatementLintRule {
    public static let id = "add-column-volatile-default"
    public static let severity = LintSeverity.error

    /// Volatile functions commonly used as defaults. Unknown (user-defined) functions are assumed not volatile.
    static let volatileFunctions: Set<String> = [
        "random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "uuidv4", "uuidv7", "gen_random_bytes", "clock_timestamp", "timeofday", "nextval", "setseed",
    ]

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            guard case .addColumn(let column) = action.kind, let (token, cause) = rewriteCause(column) else { return nil }
            return finding(
                in: migration, statement: statement, at: token,
                message: "Column \(column.name) added to existing table \(alter.table) with \(cause)",
                whyDangerous: "Each existing row needs its own value, so PostgreSQL rewrites the entire table (and "
                    + "rebuilds its indexes) under an ACCESS EXCLUSIVE lock: the running app can neither read nor write "
                    + "it until the rewrite ends. Only non-volatile defaults (constants, now()) avoid the rewrite.",
                safeAlternative: "Add the column without a default (or with a constant one), then ALTER COLUMN ... SET "
                    + "DEFAULT for new rows, and backfill existing rows in batches.")
        }
    }

    private func rewriteCause(_ column: ColumnDefinition) -> (SQLToken, String)? {
        if let expression = column.defaultExpression {
            let tokens = Array(expression)
            for (offset, token) in tokens.enumerated() where offset + 1 < tokens.count && tokens[offset + 1].isSymbol("(") {
                if let name = token.name, Self.volatileFunctions.contains(name) {
                    return (token, "volatile DEFAULT \(name)()")
                }
            }
        }
        if column.isSerial, let type = column.typeTokens.first {
            return (type, "serial type \(column.type?.base ?? type.text) (a nextval() default)")
        }
        if column.isIdentity, let generated = column.generatedToken {
            return (generated, "GENERATED AS IDENTITY (a nextval() default)")
        }
        if column.isStoredGenerated, let generated = column.generatedToken {
            return (generated, "a stored generated expression")
        }
        return nil
    }
}
