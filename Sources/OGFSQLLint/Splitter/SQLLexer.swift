/// A token or comment as the lexer found it, with the scalar offsets the splitter needs to cut statement text.
enum LexedItem {
    case token(SQLToken, start: Int, end: Int)
    case comment(SQLComment)
}

/// Turns a whole file into tokens and comments, following PostgreSQL's lexical rules closely enough that
/// quotes, comments and dollar quotes can never be mistaken for statement boundaries or keywords.
struct SQLLexer {
    var cursor: SourceCursor
    private(set) var items: [LexedItem] = []
    private(set) var issues: [SQLSplitIssue] = []

    init(_ source: String) {
        cursor = SourceCursor(source)
    }

    static func lex(_ source: String) -> (items: [LexedItem], issues: [SQLSplitIssue]) {
        var lexer = SQLLexer(source)
        lexer.run()
        return (lexer.items, lexer.issues)
    }

    private mutating func run() {
        while true {
            while let scalar = cursor.peek(), scalar.isSQLWhitespace { cursor.advance() }
            guard let scalar = cursor.peek() else { return }
            let start = cursor.mark
            let next = cursor.peek(1)
            let third = cursor.peek(2)
            // ASCII letters only: prefixes such as E'' or U&'' are never anything else.
            let lower = scalar.isASCIILetter ? Unicode.Scalar(scalar.value | 0x20) : scalar
            if scalar == "-" && next == "-" {
                lexLineComment(start)
            } else if scalar == "/" && next == "*" {
                lexBlockComment(start)
            } else if scalar == "'" {
                lexString(start, prefixLength: 0, backslashEscapes: false)
            } else if lower == "e" && next == "'" {
                lexString(start, prefixLength: 1, backslashEscapes: true)
            } else if (lower == "b" || lower == "x" || lower == "n") && next == "'" {
                lexString(start, prefixLength: 1, backslashEscapes: false)
            } else if lower == "u" && next == "&" && third == "'" {
                lexString(start, prefixLength: 2, backslashEscapes: false)
            } else if lower == "u" && next == "&" && third == "\"" {
                lexQuotedIdentifier(start, prefixLength: 2)
            } else if scalar == "\"" {
                lexQuotedIdentifier(start, prefixLength: 0)
            } else if scalar == "$" {
                lexDollar(start)
            } else if scalar.isIdentifierStart {
                lexWord(start)
            } else if scalar.isASCIIDigit || (scalar == "." && next?.isASCIIDigit == true) {
                lexNumber(start)
            } else if scalar == ":" {
                lexColon(start)
            } else if scalar.isOperatorCharacter {
                lexOperator(start)
            } else {
                // ( ) [ ] , ; . and anything PostgreSQL would reject: one scalar each.
                cursor.advance()
                emit(.punctuation, start, normalized: nil)
            }
        }
    }

    /// `::` is a cast and `:=` a named argument; a lone `:` appears in array slices.
    private mutating func lexColon(_ start: SourceCursor.Mark) {
        cursor.advance()
        if cursor.peek() == ":" {
            cursor.advance()
            emit(.punctuation, start, normalized: nil)
        } else if cursor.peek() == "=" {
            cursor.advance()
            emit(.operator, start, normalized: nil)
        } else {
            emit(.punctuation, start, normalized: nil)
        }
    }

    // MARK: - Emitting

    mutating func emit(_ kind: SQLTokenKind, _ start: SourceCursor.Mark, normalized: String?) {
        let text = normalized ?? cursor.text(from: start.offset, to: cursor.offset)
        let token = SQLToken(kind: kind, text: text, line: start.line, column: start.column)
        items.append(.token(token, start: start.offset, end: cursor.offset))
    }

    mutating func reportUnterminated(_ what: String, _ start: SourceCursor.Mark) {
        issues.append(SQLSplitIssue(
            message: "\(what) starting here is never closed; the rest of the file is part of it",
            line: start.line, column: start.column))
    }

    // MARK: - Comments

    private mutating func lexLineComment(_ start: SourceCursor.Mark) {
        cursor.advance(by: 2)
        let bodyStart = cursor.offset
        while let scalar = cursor.peek(), scalar != "\n", scalar != "\r" { cursor.advance() }
        appendComment(start, bodyStart: bodyStart, bodyEnd: cursor.offset, isBlock: false)
    }

    /// PostgreSQL block comments nest, unlike C's: `/* a /* b */ c */` is one comment.
    private mutating func lexBlockComment(_ start: SourceCursor.Mark) {
        cursor.advance(by: 2)
        let bodyStart = cursor.offset
        var depth = 1
        while !cursor.isAtEnd {
            if cursor.peek() == "/" && cursor.peek(1) == "*" {
                depth += 1
                cursor.advance(by: 2)
            } else if cursor.peek() == "*" && cursor.peek(1) == "/" {
                depth -= 1
                if depth == 0 {
                    let bodyEnd = cursor.offset
                    cursor.advance(by: 2)
                    appendComment(start, bodyStart: bodyStart, bodyEnd: bodyEnd, isBlock: true)
                    return
                }
                cursor.advance(by: 2)
            } else {
                cursor.advance()
            }
        }
        reportUnterminated("Block comment", start)
        appendComment(start, bodyStart: bodyStart, bodyEnd: cursor.offset, isBlock: true)
    }

    private mutating func appendComment(_ start: SourceCursor.Mark, bodyStart: Int, bodyEnd: Int, isBlock: Bool) {
        items.append(.comment(SQLComment(
            text: cursor.text(from: start.offset, to: cursor.offset),
            body: cursor.text(from: bodyStart, to: bodyEnd),
            isBlock: isBlock, line: start.line, column: start.column)))
    }

    // MARK: - Words, numbers, operators

    private mutating func lexWord(_ start: SourceCursor.Mark) {
        while let scalar = cursor.peek(), scalar.isIdentifierPart { cursor.advance() }
        let word = cursor.text(from: start.offset, to: cursor.offset)
        let upper = word.asciiUppercased
        if SQLKeywords.all.contains(upper) {
            emit(.keyword, start, normalized: upper)
        } else {
            emit(.identifier, start, normalized: word.asciiLowercased)
        }
    }

    private mutating func lexNumber(_ start: SourceCursor.Mark) {
        if cursor.peek() == "0", let radix = cursor.peek(1), "xXoObB".unicodeScalars.contains(radix) {
            cursor.advance(by: 2)
            while let scalar = cursor.peek(), scalar.isASCIIDigit || scalar.isASCIILetter || scalar == "_" {
                cursor.advance()
            }
            emit(.number, start, normalized: nil)
            return
        }
        consumeDigits()
        // `1..2` is not PostgreSQL, but `1.` and `.5` are; stop before a second dot so ranges in odd input stay sane.
        if cursor.peek() == ".", cursor.peek(1) != "." {
            cursor.advance()
            consumeDigits()
        }
        if let e = cursor.peek(), e == "e" || e == "E" {
            let sign = cursor.peek(1)
            if sign?.isASCIIDigit == true {
                cursor.advance()
                consumeDigits()
            } else if sign == "+" || sign == "-", cursor.peek(2)?.isASCIIDigit == true {
                cursor.advance(by: 2)
                consumeDigits()
            }
        }
        emit(.number, start, normalized: nil)
    }

    private mutating func consumeDigits() {
        while let scalar = cursor.peek(), scalar.isASCIIDigit || scalar == "_" { cursor.advance() }
    }

    /// Operators never swallow the start of a comment: `a=-- note` is `=` followed by a comment.
    private mutating func lexOperator(_ start: SourceCursor.Mark) {
        while let scalar = cursor.peek(), scalar.isOperatorCharacter {
            if cursor.offset > start.offset {
                let next = cursor.peek(1)
                if (scalar == "-" && next == "-") || (scalar == "/" && next == "*") { break }
            }
            cursor.advance()
        }
        emit(.operator, start, normalized: nil)
    }
}
