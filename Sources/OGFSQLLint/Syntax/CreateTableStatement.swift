/// `CREATE [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] TABLE [IF NOT EXISTS] name ...`, including `AS` and
/// `PARTITION OF` forms: all of them make a table no running code uses yet.
struct CreateTableStatement {
    let table: QualifiedName

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        guard cursor.skip("CREATE") else { return nil }
        _ = cursor.skip("GLOBAL") || cursor.skip("LOCAL")
        _ = cursor.skip("TEMPORARY") || cursor.skip("TEMP") || cursor.skip("UNLOGGED")
        guard cursor.skip("TABLE") else { return nil }
        // Assumed new even with IF NOT EXISTS: the author wrote the migration to create it.
        cursor.skip("IF", "NOT", "EXISTS")
        guard let table = cursor.readQualifiedName() else { return nil }
        self.table = table
    }
}
