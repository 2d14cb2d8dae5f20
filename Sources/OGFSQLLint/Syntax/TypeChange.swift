/// The `[SET DATA] TYPE newtype [COLLATE c] [USING expr]` of an `ALTER COLUMN`.
struct TypeChange {
    /// The first token of the change, where findings point.
    let token: SQLToken
    let newType: SQLTypeName?
    let hasUsing: Bool

    private static let typeEnd: Set<String> = ["COLLATE", "USING"]

    init?(_ change: ArraySlice<SQLToken>) {
        var cursor = TokenCursor(change)
        _ = cursor.skip("SET", "DATA")
        guard let token = cursor.current, cursor.skip("TYPE") else { return nil }
        let rest = cursor.rest
        let end = rest.topLevelIndices().first { rest[$0].isKeyword(in: Self.typeEnd) } ?? rest.endIndex
        self.token = token
        newType = SQLTypeName(tokens: rest[rest.startIndex..<end])
        hasUsing = rest.containsTopLevel(["USING"])
    }
}

extension SQLTypeName {
    /// Reads a type as the catalog prints it (`format_type`: `character varying(20)`, `numeric(10,2)`, `text[]`).
    static func parse(catalogType: String) -> SQLTypeName? {
        let script = SQLSplitter.split(catalogType)
        guard let statement = script.statements.first else { return nil }
        return SQLTypeName(tokens: statement.tokens[...])
    }
}
