/// One lexical token of a statement, normalized so rules can match on meaning rather than spelling.
///
/// Rules match on tokens and never on raw text: `'CREATE INDEX'` inside a string literal is a single
/// ``SQLTokenKind/string`` token and a comment is not a token at all, so neither can trigger a rule.
public struct SQLToken: Sendable, Hashable, Codable {
    /// What kind of token this is; decides how ``text`` was normalized.
    public let kind: SQLTokenKind
    /// The normalized text:
    /// - keywords uppercased (`create` → `CREATE`);
    /// - unquoted identifiers lowercased, as PostgreSQL folds them (`Users` → `users`);
    /// - quoted identifiers without their quotes, `""` unescaped, case kept (`"Users"` → `Users`);
    /// - strings as their value: quotes removed, `''` and E-string backslash escapes resolved, dollar-quote body as is;
    /// - numbers, parameters, punctuation and operators as written.
    public let text: String
    /// 1-based line of the token's first character in the file.
    public let line: Int
    /// 1-based column (in Unicode scalars) of the token's first character.
    public let column: Int

    public init(kind: SQLTokenKind, text: String, line: Int, column: Int) {
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column
    }
}

/// The kinds of token the splitter produces.
public enum SQLTokenKind: String, Sendable, Hashable, Codable {
    /// An unquoted word PostgreSQL knows as a keyword (reserved or not), uppercased.
    case keyword
    /// An unquoted word that is not a keyword, lowercased.
    case identifier
    /// A `"double quoted"` identifier, unquoted, case preserved.
    case quotedIdentifier
    /// A string literal of any spelling: `'...'`, `E'...'`, `$$...$$`, `$tag$...$tag$`, `B'...'`, `X'...'`, `U&'...'`.
    case string
    /// A numeric literal.
    case number
    /// A positional parameter such as `$1`.
    case parameter
    /// Structural characters: `(` `)` `[` `]` `,` `;` `.` `:` `::`.
    case punctuation
    /// An operator such as `=`, `<>`, `||` or `->>`.
    case `operator`
}
