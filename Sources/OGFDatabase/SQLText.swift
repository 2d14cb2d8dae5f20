import OGFSQLLint

/// One statement of a migration file as the migrator runs it: its text (without the `;`) and
/// where it starts. Cut by OGFSQLLint's splitter, so the lint and the run agree on statements.
public struct MigrationStatement: Sendable, Equatable {
    public var text: String
    /// 1-based line and column of the statement's first token.
    public var line: Int
    public var column: Int

    public init(text: String, line: Int, column: Int) {
        self.text = text
        self.line = line
        self.column = column
    }

    /// Splits a file with OGFSQLLint's splitter (comments, all quote styles, dollar quotes).
    public static func split(_ sql: String) -> [MigrationStatement] { parse(sql).statements }

    /// Statements and directives from one pass of the splitter.
    public static func parse(_ sql: String) -> (statements: [MigrationStatement], flags: MigrationFlags) {
        let script = SQLSplitter.split(sql)
        return (script.statements.map { MigrationStatement(text: $0.text, line: $0.line, column: $0.column) }, MigrationFlags(script))
    }

    /// BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (not ROLLBACK TO SAVEPOINT), ABORT.
    public var isTransactionControl: Bool {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).prefix(2).map(String.init)
        guard let first = words.first else { return false }
        switch first {
        case "begin", "commit", "end", "abort": return true
        case "start": return words.count > 1 && words[1] == "transaction"
        case "rollback": return !(words.count > 1 && words[1] == "to")
        default: return false
        }
    }

    /// The 1-based line inside the file of a 1-based character position inside `text` (the
    /// server's error position), so a failure points at the right line of a long statement.
    public func fileLine(ofPosition position: Int) -> Int {
        var line = self.line
        for (i, ch) in text.unicodeScalars.enumerated() {
            if i >= position - 1 { break }
            if ch == "\n" { line += 1 }
        }
        return line
    }
}
