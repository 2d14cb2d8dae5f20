/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table ...`
struct CreateIndexStatement {
    let table: QualifiedName
    /// The index's name, when the statement gives one.
    let name: String?
    let isUnique: Bool
    /// The CONCURRENTLY token, if the index is built without blocking writes.
    let concurrently: SQLToken?
    /// `ON ONLY parent` creates an invalid index on a partitioned parent alone: catalog-only, nothing is built.
    let isOnlyParent: Bool

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        guard cursor.skip("CREATE") else { return nil }
        isUnique = cursor.skip("UNIQUE")
        guard cursor.skip("INDEX") else { return nil }
        concurrently = cursor.current?.isKeyword("CONCURRENTLY") == true ? cursor.current : nil
        if concurrently != nil { cursor.advance() }
        cursor.skip("IF", "NOT", "EXISTS")
        name = cursor.current?.isKeyword("ON") == false ? cursor.readQualifiedName()?.object : nil
        while let token = cursor.current, !token.isKeyword("ON") { cursor.advance() }
        guard cursor.skip("ON") else { return nil }
        isOnlyParent = cursor.skip("ONLY")
        guard let table = cursor.readQualifiedName() else { return nil }
        self.table = table
    }
}
