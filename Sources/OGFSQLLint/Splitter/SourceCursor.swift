/// Reads a file one Unicode scalar at a time while keeping a 1-based line and column.
///
/// Scalars rather than `Character`s because `Character` merges `\r\n` into one grapheme and makes
/// indexing costly; counting scalars keeps columns predictable for CRLF, LF and lone-CR files alike.
struct SourceCursor {
    struct Mark {
        let offset: Int
        let line: Int
        let column: Int
    }

    private let scalars: [Unicode.Scalar]
    private(set) var offset = 0
    private(set) var line = 1
    private(set) var column = 1

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    var isAtEnd: Bool { offset >= scalars.count }
    var mark: Mark { Mark(offset: offset, line: line, column: column) }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let index = offset + ahead
        return index < scalars.count ? scalars[index] : nil
    }

    /// Whether the scalars at the current position spell `text`; used to find a dollar quote's closing tag.
    func isLooking(at text: [Unicode.Scalar]) -> Bool {
        guard offset + text.count <= scalars.count else { return false }
        return scalars[offset..<offset + text.count].elementsEqual(text)
    }

    mutating func advance() {
        let scalar = scalars[offset]
        offset += 1
        switch scalar {
        case "\n":
            line += 1
            column = 1
        case "\r" where peek() == "\n":
            // The `\n` that follows ends the line; counting both would skip a line on CRLF files.
            column += 1
        case "\r":
            line += 1
            column = 1
        default:
            column += 1
        }
    }

    mutating func advance(by count: Int) {
        for _ in 0..<count where !isAtEnd { advance() }
    }

    func text(from start: Int, to end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<min(end, scalars.count)])
        return String(view)
    }
}

extension Unicode.Scalar {
    var isSQLWhitespace: Bool { self == " " || self == "\t" || self == "\n" || self == "\r" || self == "\u{0C}" || self == "\u{0B}" }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    /// PostgreSQL lets identifiers start with a letter, `_` or any non-ASCII character.
    var isIdentifierStart: Bool { isASCIILetter || self == "_" || value >= 0x80 }
    /// Identifiers continue with digits and `$` too; `$` is why `a$b` is one identifier and not a dollar quote.
    var isIdentifierPart: Bool { isIdentifierStart || isASCIIDigit || self == "$" }
    /// Dollar-quote tags follow identifier rules but may not contain `$`.
    var isDollarTagPart: Bool { isIdentifierStart || isASCIIDigit }
    var isOperatorCharacter: Bool { "+-*/<>=~!@#%^&|`?".unicodeScalars.contains(self) }
}
