/// The statements that act on a list of whole tables: `DROP TABLE [IF EXISTS] a, b [CASCADE]` and
/// `TRUNCATE [TABLE] [ONLY] a, b [CASCADE]`.
struct TableListStatement {
    enum Verb {
        case dropTable, truncate
    }

    let verb: Verb
    let tables: [QualifiedName]
    /// CASCADE reaches tables the statement does not name.
    let cascades: Bool

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        if cursor.skip("DROP", "TABLE") {
            verb = .dropTable
            cursor.skip("IF", "EXISTS")
        } else if cursor.skip("TRUNCATE") {
            verb = .truncate
            cursor.skip("TABLE")
        } else {
            return nil
        }
        cascades = statement.tokens.containsTopLevel(["CASCADE"])
        tables = cursor.rest.splitAtTopLevelCommas().compactMap { part in
            var table = TokenCursor(part)
            table.skip("ONLY")
            return table.readQualifiedName()
        }
    }
}
