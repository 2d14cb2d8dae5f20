/// Small predicates rules use to read tokens without ever looking at raw source text.
extension SQLToken {
    /// Whether this token is the unquoted word `keyword`, in any case.
    ///
    /// Quoted identifiers never match, so a column named `"check"` is not the CHECK keyword. Both keyword and
    /// identifier tokens match, so a word missing from the keyword list cannot hide a danger.
    public func isKeyword(_ keyword: String) -> Bool {
        switch kind {
        case .keyword: return text == keyword
        case .identifier: return text.equalsIgnoringASCIICase(keyword)
        default: return false
        }
    }

    /// Whether this token is one of the given unquoted words.
    public func isKeyword(in keywords: Set<String>) -> Bool {
        switch kind {
        case .keyword: return keywords.contains(text)
        case .identifier: return keywords.contains(text.asciiUppercased)
        default: return false
        }
    }

    /// Whether this token is the punctuation or operator `symbol`.
    public func isSymbol(_ symbol: String) -> Bool {
        (kind == .punctuation || kind == .operator) && text == symbol
    }

    /// The token read as a name the way PostgreSQL resolves it: unquoted words folded to lowercase,
    /// quoted identifiers as written. Nil for strings, numbers and symbols.
    public var name: String? {
        switch kind {
        case .identifier, .quotedIdentifier: return text
        case .keyword: return text.asciiLowercased
        default: return nil
        }
    }
}

extension RandomAccessCollection where Element == SQLToken, Index == Int, SubSequence == ArraySlice<SQLToken> {
    /// Indices of the tokens outside any parentheses or brackets (the brackets of a top-level group included).
    /// Rules look for `NOT VALID`, `DEFAULT` or `,` only at the top level so that expressions cannot fool them.
    func topLevelIndices() -> [Int] {
        var depth = 0
        var result: [Int] = []
        for index in indices {
            let token = self[index]
            if token.isSymbol("(") || token.isSymbol("[") {
                if depth == 0 { result.append(index) }
                depth += 1
            } else if token.isSymbol(")") || token.isSymbol("]") {
                depth = Swift.max(0, depth - 1)
                if depth == 0 { result.append(index) }
            } else if depth == 0 {
                result.append(index)
            }
        }
        return result
    }

    /// Whether the unquoted words `words` appear consecutively at the top level.
    func containsTopLevel(_ words: [String]) -> Bool {
        firstTopLevelIndex(of: words) != nil
    }

    /// Index of the first top-level occurrence of the consecutive unquoted words `words`.
    func firstTopLevelIndex(of words: [String]) -> Int? {
        topLevelIndices(of: words).first
    }

    /// Indices of every top-level occurrence of the consecutive unquoted words `words`.
    func topLevelIndices(of words: [String]) -> [Int] {
        let top = topLevelIndices()
        guard !words.isEmpty, top.count >= words.count else { return [] }
        return (0...(top.count - words.count)).compactMap { position in
            let matches = words.indices.allSatisfy { offset in
                let index = top[position + offset]
                // Consecutive in the statement, not merely consecutive among top-level tokens.
                return (offset == 0 || index == top[position + offset - 1] + 1) && self[index].isKeyword(words[offset])
            }
            return matches ? top[position] : nil
        }
    }

    /// Splits at top-level commas, as ALTER TABLE separates its actions; slices keep the statement's indices.
    func splitAtTopLevelCommas() -> [ArraySlice<SQLToken>] {
        var parts: [ArraySlice<SQLToken>] = []
        var partStart = startIndex
        for index in topLevelIndices() where self[index].isSymbol(",") {
            parts.append(self[partStart..<index])
            partStart = index + 1
        }
        parts.append(self[partStart..<endIndex])
        return parts.filter { !$0.isEmpty }
    }

    /// Index just past the parenthesized group opening at `open`, or `endIndex` if it never closes.
    func indexAfterGroup(openingAt open: Int) -> Int {
        var depth = 0
        var index = open
        while index < endIndex {
            if self[index].isSymbol("(") || self[index].isSymbol("[") { depth += 1 }
            if self[index].isSymbol(")") || self[index].isSymbol("]") {
                depth -= 1
                if depth == 0 { return index + 1 }
            }
            index += 1
        }
        return endIndex
    }
}
