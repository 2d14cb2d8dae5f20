/// The column definition of an `ALTER TABLE ... ADD [COLUMN]`: name, type and the inline constraints that
/// decide whether adding it rewrites, scans or locks the table.
struct ColumnDefinition {
    let name: String
    let nameToken: SQLToken
    let type: SQLTypeName?
    let typeTokens: ArraySlice<SQLToken>
    /// Everything after the type: DEFAULT, NOT NULL, CHECK, REFERENCES, GENERATED, ...
    let constraintTokens: ArraySlice<SQLToken>

    /// Words that end the type and start a column constraint.
    static let constraintWords: Set<String> = [
        "CONSTRAINT", "NOT", "NULL", "DEFAULT", "CHECK", "UNIQUE", "PRIMARY", "REFERENCES", "GENERATED",
        "COLLATE", "DEFERRABLE", "INITIALLY", "COMPRESSION", "STORAGE",
    ]

    /// Reads a definition starting at the column name.
    init?(tokens: ArraySlice<SQLToken>) {
        guard let first = tokens.first, let name = first.name else { return nil }
        let afterName = tokens.dropFirst()
        let typeEnd = afterName.topLevelIndices().first { afterName[$0].isKeyword(in: Self.constraintWords) }
            ?? afterName.endIndex
        self.name = name
        nameToken = first
        typeTokens = afterName[afterName.startIndex..<typeEnd]
        type = SQLTypeName(tokens: typeTokens)
        constraintTokens = afterName[typeEnd...]
    }

    /// The `NOT` of a top-level `NOT NULL`.
    var notNullToken: SQLToken? {
        constraintTokens.topLevelIndices(of: ["NOT", "NULL"]).first { index in
            index == constraintTokens.startIndex || !constraintTokens[index - 1].isKeyword("IS")
        }.map { constraintTokens[$0] }
    }

    var primaryKeyToken: SQLToken? { topLevelToken(["PRIMARY", "KEY"]) }
    var uniqueToken: SQLToken? { topLevelToken(["UNIQUE"]) }
    var referencesToken: SQLToken? { topLevelToken(["REFERENCES"]) }
    var checkToken: SQLToken? { topLevelToken(["CHECK"]) }
    var generatedToken: SQLToken? { topLevelToken(["GENERATED"]) }
    /// `GENERATED ... AS IDENTITY`: values come from a sequence, like serial.
    var isIdentity: Bool { generatedToken != nil && constraintTokens.containsTopLevel(["AS", "IDENTITY"]) }
    /// `GENERATED ALWAYS AS (expr) STORED`: every existing row has to be computed and written.
    var isStoredGenerated: Bool { generatedToken != nil && constraintTokens.containsTopLevel(["STORED"]) }
    var isSerial: Bool { type.map { SQLTypeName.serialTypes.contains($0.base) } ?? false }

    /// The expression after a top-level DEFAULT, up to the next column constraint.
    var defaultExpression: ArraySlice<SQLToken>? {
        guard let defaultIndex = constraintTokens.firstTopLevelIndex(of: ["DEFAULT"]) else { return nil }
        let expression = constraintTokens[(defaultIndex + 1)...]
        guard !expression.isEmpty else { return nil }
        // The first token always belongs to the expression: `DEFAULT NULL` is a value, not the NULL constraint.
        let end = expression.topLevelIndices().dropFirst().first { expression[$0].isKeyword(in: Self.constraintWords) }
            ?? expression.endIndex
        return expression[expression.startIndex..<end]
    }

    /// `DEFAULT NULL` (possibly cast) gives existing rows no value at all.
    var hasRealDefault: Bool {
        guard let expression = defaultExpression else { return false }
        return !(expression.first?.isKeyword("NULL") == true
            && expression.dropFirst().allSatisfy { $0.isSymbol("::") || $0.name != nil || $0.kind == .punctuation })
    }

    private func topLevelToken(_ words: [String]) -> SQLToken? {
        constraintTokens.firstTopLevelIndex(of: words).map { constraintTokens[$0] }
    }
}
