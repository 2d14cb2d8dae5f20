/// A table constraint from `ALTER TABLE ... ADD [CONSTRAINT name] ...`.
struct TableConstraint {
    enum Kind {
        case check, unique, primaryKey, foreignKey, exclude, other
    }

    let name: String?
    let kind: Kind
    /// The token that names the kind: CHECK, UNIQUE, PRIMARY, FOREIGN or EXCLUDE.
    let keyword: SQLToken
    /// The tokens from ``keyword`` to the end of the action.
    let body: ArraySlice<SQLToken>

    /// Reads a constraint from the tokens after `ADD`.
    init?(tokens: ArraySlice<SQLToken>) {
        var cursor = TokenCursor(tokens)
        var name: String?
        if cursor.skip("CONSTRAINT") {
            name = cursor.readName()
        }
        guard let keyword = cursor.current else { return nil }
        if keyword.isKeyword("CHECK") {
            kind = .check
        } else if keyword.isKeyword("UNIQUE") {
            kind = .unique
        } else if cursor.isLooking(at: "PRIMARY", "KEY") {
            kind = .primaryKey
        } else if cursor.isLooking(at: "FOREIGN", "KEY") {
            kind = .foreignKey
        } else if keyword.isKeyword("EXCLUDE") {
            kind = .exclude
        } else if name != nil {
            kind = .other
        } else {
            return nil
        }
        self.name = name
        self.keyword = keyword
        body = cursor.rest
    }

    /// `NOT VALID`: existing rows are not checked now, only new and updated ones.
    var isNotValid: Bool { body.containsTopLevel(["NOT", "VALID"]) }

    /// `UNIQUE USING INDEX idx` / `PRIMARY KEY USING INDEX idx`: adopts an index built beforehand.
    /// `USING INDEX TABLESPACE` is only a storage option of a freshly built index, so it does not count.
    var adoptsExistingIndex: Bool {
        var cursor = TokenCursor(body)
        _ = cursor.skip("PRIMARY", "KEY") || cursor.skip("UNIQUE")
        _ = cursor.skip("NULLS", "NOT", "DISTINCT") || cursor.skip("NULLS", "DISTINCT")
        return cursor.skip("USING", "INDEX") && cursor.current?.isKeyword("TABLESPACE") == false
    }

    /// The index named by `USING INDEX idx`.
    var adoptedIndexName: String? {
        guard adoptsExistingIndex, let index = body.firstTopLevelIndex(of: ["USING", "INDEX"]) else { return nil }
        let next = index + 2
        return next < body.endIndex ? body[next].name : nil
    }

    /// For `CHECK (col IS NOT NULL)`, the column: the check PostgreSQL 12+ accepts as proof for SET NOT NULL.
    var notNullCheckColumn: String? {
        guard kind == .check else { return nil }
        let tokens = Array(body)
        guard tokens.count >= 7, tokens[1].isSymbol("("), let column = tokens[2].name,
              tokens[3].isKeyword("IS"), tokens[4].isKeyword("NOT"), tokens[5].isKeyword("NULL"),
              tokens[6].isSymbol(")") else { return nil }
        return column
    }
}
