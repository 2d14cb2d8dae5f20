/// Splits a PostgreSQL migration file into statements, with positions, attached comments and normalized tokens.
///
/// It reads the file the way PostgreSQL and psql do: `--` and nested `/* */` comments, `'...'` strings with `''`,
/// `E'...'` strings with backslash escapes, `"..."` identifiers with `""`, and `$$`/`$tag$` dollar quotes may all
/// contain `;` without ending a statement. It never fails: what it cannot close is reported in ``SQLScript/issues``.
public enum SQLSplitter {
    /// Splits `sql` (the full text of one file) into statements.
    public static func split(_ sql: String) -> SQLScript {
        let lexed = SQLLexer.lex(sql)
        var builder = ScriptBuilder(source: SourceCursor(sql))
        for item in lexed.items {
            builder.consume(item)
        }
        return builder.finish(issues: lexed.issues)
    }
}

/// Groups lexed items into statements and decides which statement each comment belongs to.
private struct ScriptBuilder {
    let source: SourceCursor
    var statements: [SQLStatement] = []
    var tokens: [SQLToken] = []
    var textStart = 0
    var textEnd = 0
    var comments: [SQLComment] = []
    var boundary = StatementBoundaryTracker()
    /// Line of the last statement-ending `;`: a comment starting on that line trails the statement before it.
    var terminatorLine: Int?

    mutating func consume(_ item: LexedItem) {
        switch item {
        case .comment(let comment):
            if tokens.isEmpty, comment.line == terminatorLine, let last = statements.popLast() {
                statements.append(SQLStatement(
                    index: last.index, text: last.text, line: last.line, column: last.column,
                    comments: last.comments + [comment], tokens: last.tokens))
            } else {
                comments.append(comment)
            }
        case .token(let token, let start, let end):
            if token.kind == .punctuation, token.text == ";", boundary.semicolonEndsStatement {
                finishStatement()
                terminatorLine = token.line
                return
            }
            if tokens.isEmpty { textStart = start }
            tokens.append(token)
            textEnd = end
            boundary.observe(token)
        }
    }

    private mutating func finishStatement() {
        guard let first = tokens.first else { return }
        statements.append(SQLStatement(
            index: statements.count, text: source.text(from: textStart, to: textEnd),
            line: first.line, column: first.column, comments: comments, tokens: tokens))
        tokens = []
        comments = []
        boundary.reset()
    }

    mutating func finish(issues: [SQLSplitIssue]) -> SQLScript {
        finishStatement()
        return SQLScript(statements: statements, unattachedComments: comments, issues: issues)
    }
}
