/// Recognizes `ogf:` directives in comment bodies.
///
/// A directive must open the comment (`-- ogf:allow ...` or `/* ogf:allow ... */`); `ogf:` in the middle of
/// prose is not one, so a comment can talk about directives without issuing them.
enum DirectiveParser {
    static let prefix = "ogf:"

    static func parse(_ comment: SQLComment, statementIndex: Int?) -> MigrationDirective? {
        let body = comment.body.trimmingWhitespace
        guard body.lowercased().hasPrefix(prefix) else { return nil }
        let afterPrefix = body.dropFirst(prefix.count).trimmingWhitespace
        let (name, rest) = afterPrefix.splitFirstWord()
        let kind: MigrationDirective.Kind
        switch name.lowercased() {
        case "no-transaction": kind = .noTransaction
        case "breaking": kind = .breaking
        case "allow": kind = parseAllow(rest.trimmingWhitespace)
        default: kind = .unknown(name: name)
        }
        return MigrationDirective(kind: kind, line: comment.line, column: comment.column, statementIndex: statementIndex)
    }

    /// `RULE_ID reason text`; a `:` or dash between them is tolerated (`truncate: cache table`).
    private static func parseAllow(_ text: String) -> MigrationDirective.Kind {
        let (word, rest) = text.splitFirstWord()
        let ruleID = word.trimming([":"])
        let separators: Set<Character> = [":", "-", "\u{2013}", "\u{2014}"]
        let reason = String(rest.drop { separators.contains($0) || $0.isWhitespace }).collapsingWhitespace
        return .allow(ruleID: ruleID.isEmpty ? nil : ruleID.lowercased(), reason: reason.isEmpty ? nil : reason)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// Multi-line block comments read as one sentence.
    var collapsingWhitespace: String {
        split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The first word (up to whitespace or `:`) and the text after it.
    func splitFirstWord() -> (word: String, rest: String) {
        let word = prefix { !$0.isWhitespace && $0 != ":" }
        return (String(word), String(dropFirst(word.count)))
    }

    func trimming(_ characters: Set<Character>) -> String {
        String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
