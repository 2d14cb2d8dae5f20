/// A position-keeping reader over a statement's tokens, for the few shapes of DDL the rules need to understand.
struct TokenCursor {
    let tokens: ArraySlice<SQLToken>
    private(set) var index: Int

    init(_ tokens: ArraySlice<SQLToken>) {
        self.tokens = tokens
        index = tokens.startIndex
    }

    init(_ tokens: [SQLToken]) {
        self.init(tokens[...])
    }

    var current: SQLToken? { index < tokens.endIndex ? tokens[index] : nil }
    var isAtEnd: Bool { index >= tokens.endIndex }
    /// The tokens not read yet.
    var rest: ArraySlice<SQLToken> { tokens[min(index, tokens.endIndex)..<tokens.endIndex] }

    func peek(_ ahead: Int = 0) -> SQLToken? {
        let position = index + ahead
        return position < tokens.endIndex ? tokens[position] : nil
    }

    mutating func advance() {
        if index < tokens.endIndex { index += 1 }
    }

    /// Reads the consecutive words `words` if they come next; reads nothing otherwise.
    @discardableResult
    mutating func skip(_ words: String...) -> Bool {
        for (offset, word) in words.enumerated() where peek(offset)?.isKeyword(word) != true {
            return false
        }
        index += words.count
        return true
    }

    /// Whether the next tokens are the words `words`, without reading them.
    func isLooking(at words: String...) -> Bool {
        words.enumerated().allSatisfy { peek($0.offset)?.isKeyword($0.element) == true }
    }

    /// Reads a name token if one comes next.
    mutating func readName() -> String? {
        guard let name = current?.name else { return nil }
        advance()
        return name
    }

    /// Reads `name`, `schema.name` or `db.schema.name`.
    mutating func readQualifiedName() -> QualifiedName? {
        guard let first = readName() else { return nil }
        var parts = [first]
        while current?.isSymbol(".") == true, let part = peek(1)?.name {
            parts.append(part)
            advance()
            advance()
        }
        return QualifiedName(parts: parts)
    }
}
