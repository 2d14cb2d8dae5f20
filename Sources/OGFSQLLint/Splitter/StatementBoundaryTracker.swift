/// Decides whether a `;` ends the current statement, the way psql does.
///
/// A `;` inside parentheses does not end a statement, and neither does one inside the `BEGIN ATOMIC ... END`
/// body of a SQL-standard `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, which is not quoted. psql uses the same
/// heuristic (psqlscan.l): count BEGIN/CASE against END once the statement starts like a routine definition.
struct StatementBoundaryTracker {
    private var parenthesisDepth = 0
    private var blockDepth = 0
    private var leadingWords: [String] = []

    mutating func reset() {
        self = StatementBoundaryTracker()
    }

    /// Feeds one token of the current statement (not the `;`).
    mutating func observe(_ token: SQLToken) {
        switch (token.kind, token.text) {
        case (.punctuation, "("), (.punctuation, "["):
            parenthesisDepth += 1
        case (.punctuation, ")"), (.punctuation, "]"):
            parenthesisDepth = max(0, parenthesisDepth - 1)
        case (.keyword, _), (.identifier, _):
            observeWord(token.text.asciiUppercased)
        default:
            break
        }
    }

    /// Whether a `;` seen now terminates the statement.
    var semicolonEndsStatement: Bool { parenthesisDepth == 0 && blockDepth == 0 }

    private mutating func observeWord(_ word: String) {
        if leadingWords.count < 4 { leadingWords.append(word) }
        guard isRoutineDefinition, parenthesisDepth == 0 else { return }
        switch word {
        case "BEGIN":
            blockDepth += 1
        case "CASE" where blockDepth > 0:
            // CASE also closes with END; only inside a body does that END need balancing.
            blockDepth += 1
        case "END" where blockDepth > 0:
            blockDepth -= 1
        default:
            break
        }
    }

    private var isRoutineDefinition: Bool {
        let words = leadingWords
        guard words.first == "CREATE", words.count >= 2 else { return false }
        if words[1] == "FUNCTION" || words[1] == "PROCEDURE" { return true }
        return words.count >= 4 && words[1] == "OR" && words[2] == "REPLACE"
            && (words[3] == "FUNCTION" || words[3] == "PROCEDURE")
    }
}
