/// The quoted constructs: this is where a naive splitter goes wrong, because each of them may contain `;`,
/// `--`, `/*` or a keyword that must not count.
extension SQLLexer {
    /// `'...'` with `''` for a quote; `E'...'` also takes backslash escapes, so `E'it\'s'` is one string.
    /// With standard_conforming_strings on (the default since PostgreSQL 9.1) a plain string treats `\` literally.
    mutating func lexString(_ start: SourceCursor.Mark, prefixLength: Int, backslashEscapes: Bool) {
        cursor.advance(by: prefixLength + 1)
        var value = String.UnicodeScalarView()
        while let scalar = cursor.peek() {
            if scalar == "'" {
                if cursor.peek(1) == "'" {
                    value.append("'")
                    cursor.advance(by: 2)
                    continue
                }
                cursor.advance()
                emit(.string, start, normalized: String(value))
                return
            }
            if backslashEscapes && scalar == "\\" {
                decodeEscape(into: &value)
                continue
            }
            value.append(scalar)
            cursor.advance()
        }
        reportUnterminated("String literal", start)
        emit(.string, start, normalized: String(value))
    }

    /// `"..."` with `""` for a quote; the name keeps its case and never matches a keyword.
    mutating func lexQuotedIdentifier(_ start: SourceCursor.Mark, prefixLength: Int) {
        cursor.advance(by: prefixLength + 1)
        var value = String.UnicodeScalarView()
        while let scalar = cursor.peek() {
            cursor.advance()
            if scalar == "\"" {
                if cursor.peek() == "\"" {
                    value.append("\"")
                    cursor.advance()
                    continue
                }
                emit(.quotedIdentifier, start, normalized: String(value))
                return
            }
            value.append(scalar)
        }
        reportUnterminated("Quoted identifier", start)
        emit(.quotedIdentifier, start, normalized: String(value))
    }

    /// `$1` is a parameter; `$$...$$` and `$tag$...$tag$` are dollar-quoted strings whose body is taken verbatim
    /// (function bodies with their own `;` and quotes); any other `$` is an operator character PostgreSQL rejects.
    mutating func lexDollar(_ start: SourceCursor.Mark) {
        if cursor.peek(1)?.isASCIIDigit == true {
            cursor.advance()
            while cursor.peek()?.isASCIIDigit == true { cursor.advance() }
            emit(.parameter, start, normalized: nil)
            return
        }
        var length = 1
        if let first = cursor.peek(1), first.isIdentifierStart {
            length = 2
            while let scalar = cursor.peek(length), scalar.isDollarTagPart { length += 1 }
        }
        guard cursor.peek(length) == "$" else {
            cursor.advance()
            emit(.operator, start, normalized: nil)
            return
        }
        let delimiter = (0...length).compactMap { cursor.peek($0) }
        cursor.advance(by: delimiter.count)
        let bodyStart = cursor.offset
        while !cursor.isAtEnd {
            if cursor.isLooking(at: delimiter) {
                let body = cursor.text(from: bodyStart, to: cursor.offset)
                cursor.advance(by: delimiter.count)
                emit(.string, start, normalized: body)
                return
            }
            cursor.advance()
        }
        reportUnterminated("Dollar-quoted string", start)
        emit(.string, start, normalized: cursor.text(from: bodyStart, to: cursor.offset))
    }

    /// Decodes one E-string escape; the cursor is on the backslash.
    private mutating func decodeEscape(into value: inout String.UnicodeScalarView) {
        cursor.advance()
        guard let escaped = cursor.peek() else {
            value.append("\\")
            return
        }
        switch escaped {
        case "b": value.append("\u{08}"); cursor.advance()
        case "f": value.append("\u{0C}"); cursor.advance()
        case "n": value.append("\n"); cursor.advance()
        case "r": value.append("\r"); cursor.advance()
        case "t": value.append("\t"); cursor.advance()
        case "0"..."7": appendCodePoint(radix: 8, maxDigits: 3, into: &value)
        case "x": cursor.advance(); appendCodePoint(radix: 16, maxDigits: 2, into: &value)
        case "u": cursor.advance(); appendCodePoint(radix: 16, maxDigits: 4, into: &value)
        case "U": cursor.advance(); appendCodePoint(radix: 16, maxDigits: 8, into: &value)
        default:
            // `\\`, `\'` and any other escaped character stand for themselves.
            value.append(escaped)
            cursor.advance()
        }
    }

    private mutating func appendCodePoint(radix: UInt32, maxDigits: Int, into value: inout String.UnicodeScalarView) {
        var code: UInt32 = 0
        var digits = 0
        while digits < maxDigits, let scalar = cursor.peek(), let digit = Character(scalar).hexDigitValue,
              UInt32(digit) < radix {
            code = code * radix + UInt32(digit)
            digits += 1
            cursor.advance()
        }
        if digits > 0, let decoded = Unicode.Scalar(code) { value.append(decoded) }
    }
}
