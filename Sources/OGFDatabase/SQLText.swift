/// One SQL statement cut out of a migration file, with where it starts.
public struct SQLStatement: Sendable, Equatable {
    /// The statement's text, from its first token up to (not including) the terminating `;`.
    public var text: String
    /// 1-based line and column of the statement's first token.
    public var line: Int
    public var column: Int

    public init(text: String, line: Int, column: Int) {
        self.text = text
        self.line = line
        self.column = column
    }

    /// The 1-based line inside the file of a 1-based character position inside `text` (the
    /// server's error position), so a failure points at the right line of a long statement.
    public func fileLine(ofPosition position: Int) -> Int {
        var line = self.line
        for (i, ch) in text.enumerated() {
            if i >= position - 1 { break }
            if ch == "\n" { line += 1 }
        }
        return line
    }
}

/// Splits PostgreSQL text into statements: `;` ends one except inside quotes ('...', E'...',
/// "..."), comments (`--`, nested `/* */`) and dollar-quoted bodies ($$...$$, $tag$...$tag$).
///
/// This is the adapter's own splitter, used until OGFSQLLint's lands on main; the two agree on
/// the shape (text, line, column) so swapping them changes nothing else.
public enum SQLSplitter {
    public static func split(_ sql: String) -> [SQLStatement] {
        let chars = Array(sql.unicodeScalars)
        var out: [SQLStatement] = []
        var i = 0, line = 1, col = 1
        var current = String.UnicodeScalarView()
        var start: (line: Int, column: Int)?
        var blockDepth = 0

        func advance(_ n: Int = 1) {
            for _ in 0..<n where i < chars.count {
                let c = chars[i]
                if start != nil { current.append(c) }
                if c == "\n" { line += 1; col = 1 } else { col += 1 }
                i += 1
            }
        }
        func at(_ s: String, _ k: Int = 0) -> Bool {
            var j = i + k
            for u in s.unicodeScalars {
                guard j < chars.count, chars[j] == u else { return false }
                j += 1
            }
            return true
        }
        func begin() { if start == nil { start = (line, col) } }
        func finish() {
            if let s = start {
                let text = String(current).trimmingTrailingWhitespace()
                if !text.isEmpty { out.append(SQLStatement(text: text, line: s.line, column: s.column)) }
            }
            start = nil
            current = String.UnicodeScalarView()
        }

        while i < chars.count {
            let c = chars[i]
            if blockDepth > 0 {
                if at("*/") { blockDepth -= 1; advance(2) } else if at("/*") { blockDepth += 1; advance(2) } else { advance() }
                continue
            }
            if at("--") {
                while i < chars.count && chars[i] != "\n" { advance() }
                continue
            }
            if at("/*") { blockDepth = 1; advance(2); continue }
            if c == ";" {
                advance()
                finish()
                continue
            }
            if c == " " || c == "\t" || c == "\n" || c == "\r" { advance(); continue }
            begin()
            if c == "'" || ((c == "E" || c == "e") && at("'", 1)) {
                let escapes = c != "'"
                advance(escapes ? 2 : 1)
                while i < chars.count {
                    if escapes && chars[i] == "\\" { advance(2); continue }
                    if chars[i] == "'" {
                        if at("''") { advance(2); continue }
                        advance()
                        break
                    }
                    advance()
                }
                continue
            }
            if c == "\"" {
                advance()
                while i < chars.count {
                    if at("\"\"") { advance(2); continue }
                    if chars[i] == "\"" { advance(); break }
                    advance()
                }
                continue
            }
            if c == "$", let tag = dollarTag(chars, i) {
                advance(tag.unicodeScalars.count)
                while i < chars.count && !at(tag) { advance() }
                advance(tag.unicodeScalars.count)
                continue
            }
            // An identifier or number: consume it whole so `a$b` is not read as a dollar quote.
            if c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || chars[i] == "$" || ("0"..."9").contains(chars[i]) {
                    advance()
                }
                continue
            }
            advance()
        }
        finish()
        return out
    }

    /// `$$` or `$tag$` starting at `i`, or nil ($1 parameters are not tags).
    static func dollarTag(_ chars: [Unicode.Scalar], _ i: Int) -> String? {
        var j = i + 1
        var tag = "$"
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return tag + "$" }
            guard c.properties.isAlphabetic || c == "_" || (j > i + 1 && ("0"..."9").contains(c)) else { return nil }
            tag.unicodeScalars.append(c)
            j += 1
        }
        return nil
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
