/// Rule 6: `ADD COLUMN` whose value must be computed per row (a volatile DEFAULT, serial, identity or a stored
/// generated column) rewrites the whole table.
///
/// `now()` and `current_timestamp` are STABLE, not volatile: PostgreSQL 11+ evaluates them once and stores the
/// value in the catalog, so they do not trigger this rule. Any other function's volatility comes from the file
/// itself (a `CREATE FUNCTION` before it), an earlier file of the plan, or the catalog (`pg_proc.provolatile`);
/// when none of them can tell, the finding stays and says why: a function is never assumed not volatile.
public struct AddColumnVolatileDefaultRule: StatementLintRule {
    public static let id = "add-column-volatile-default"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    /// Volatile functions commonly used as defaults: known without asking the catalog.
    static let volatileFunctions: Set<String> = [
        "random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "uuidv4", "uuidv7", "gen_random_bytes", "clock_timestamp", "timeofday", "nextval", "setseed",
    ]

    /// Keywords followed by `(` that are SQL syntax, not calls of a function in pg_proc.
    static let syntaxWords: Set<String> = [
        "coalesce", "nullif", "greatest", "least", "row", "array", "cast", "extract", "position", "overlay", "trim",
        "exists", "values", "any", "all", "some", "in", "and", "or", "not", "then", "else", "when", "case", "between",
        "is", "like", "ilike", "similar", "on", "as", "collate", "at", "zone", "xmlelement", "xmlforest", "treat",
        "normalize", "merge_action", "json_object", "json_array", "json",
    ]

    /// Built-in functions (and function-like expressions) known not to be volatile, so a text-only lint without a
    /// catalog does not flag them.
    static let nonVolatileBuiltins: Set<String> = [
        "now", "statement_timestamp", "transaction_timestamp", "current_setting", "coalesce", "nullif", "greatest",
        "least", "lower", "upper", "length", "trim", "btrim", "concat", "to_jsonb", "to_json", "jsonb_build_object",
        "json_build_object", "jsonb_build_array", "json_build_array", "array", "row", "make_interval", "to_timestamp",
        "to_char", "date_trunc", "abs", "round", "cast", "format", "replace", "substring", "timezone",
    ]

    public init() {}

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            guard case .addColumn(let column) = action.kind,
                  let (token, cause) = rewriteCause(column, before: statement.index, in: migration) else { return nil }
            return finding(
                in: migration, statement: statement, at: token,
                message: "Column \(column.name) added to existing table \(alter.table) with \(cause)",
                whyDangerous: "Each existing row needs its own value, so PostgreSQL rewrites the entire table (and "
                    + "rebuilds its indexes) under an ACCESS EXCLUSIVE lock: the running app can neither read nor write "
                    + "it until the rewrite ends. Only non-volatile defaults (constants, now()) avoid the rewrite.",
                safeAlternative: "Add the column without a default (or with a constant one), then ALTER COLUMN ... SET "
                    + "DEFAULT for new rows, and backfill existing rows in batches. A function that really is "
                    + "IMMUTABLE or STABLE should say so in its CREATE FUNCTION.",
                table: alter.table)
        }
    }

    private func rewriteCause(_ column: ColumnDefinition, before index: Int, in migration: MigrationContext)
        -> (SQLToken, String)?
    {
        if let expression = column.defaultExpression {
            let tokens = Array(expression)
            for (offset, token) in tokens.enumerated() where offset + 1 < tokens.count && tokens[offset + 1].isSymbol("(") {
                guard let name = token.name, token.kind == .quotedIdentifier || !Self.syntaxWords.contains(name) else { continue }
                // A type modifier (`'x'::varchar(20)`, `CAST(x AS numeric(10,2))`) is not a call.
                let before = tokens[max(0, offset - 2)..<offset]
                if before.contains(where: { $0.isSymbol("::") || $0.isKeyword("AS") }) { continue }
                if Self.volatileFunctions.contains(name) {
                    return (token, "volatile DEFAULT \(name)()")
                }
                var parts = [name]
                if offset >= 2, tokens[offset - 1].isSymbol("."), let schema = tokens[offset - 2].name {
                    parts.insert(schema, at: 0)
                }
                let function = QualifiedName(parts: parts)
                let arguments = Self.argumentCount(tokens, openingAt: offset + 1)
                if let cause = volatilityCause(function, arguments: arguments, before: index, in: migration) {
                    return (token, cause)
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

    /// Why calling `function` may rewrite the table, or nil when it is known not to be volatile.
    private func volatilityCause(
        _ function: QualifiedName, arguments: Int, before index: Int, in migration: MigrationContext
    ) -> String? {
        let call = "\(function)()"
        if let known = migration.volatilityCreatedEarlier(function, before: index) {
            return known == .volatile ? "DEFAULT \(call), a VOLATILE function (created without IMMUTABLE or STABLE)" : nil
        }
        guard let catalog = migration.catalog else {
            if function.parts.count == 1 && Self.nonVolatileBuiltins.contains(function.object) { return nil }
            return "DEFAULT \(call), whose volatility is unknown (\(MigrationContext.noCatalog)); a volatile default "
                + "rewrites the table"
        }
        switch catalog.functionVolatility(function, argumentCount: arguments) {
        case .known(let volatility?):
            return volatility == .volatile ? "DEFAULT \(call), a VOLATILE function (pg_proc.provolatile = 'v')" : nil
        case .known(nil):
            return "DEFAULT \(call), a function with \(arguments) argument\(arguments == 1 ? "" : "s") the catalog "
                + "does not know, so its volatility is unknown"
        case .unknown(let reason):
            return "DEFAULT \(call), whose volatility is unknown (\(reason))"
        }
    }

    /// The number of arguments in the call whose `(` is at `open`.
    static func argumentCount(_ tokens: [SQLToken], openingAt open: Int) -> Int {
        let slice = tokens[...]
        let end = slice.indexAfterGroup(openingAt: open)
        guard end - 1 > open + 1 else { return 0 }
        return slice[(open + 1)..<(end - 1)].splitAtTopLevelCommas().count
    }
}
