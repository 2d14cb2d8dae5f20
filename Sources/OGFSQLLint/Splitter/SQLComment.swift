/// A comment found while splitting, kept because directives (`-- ogf:...`) live in comments.
public struct SQLComment: Sendable, Hashable, Codable {
    /// The comment exactly as written, markers included (`-- note` or `/* note */`).
    public let text: String
    /// The comment without its markers: what follows `--`, or what lies between the outermost `/*` and `*/`.
    public let body: String
    /// Whether this is a `/* */` block comment rather than a `--` line comment.
    public let isBlock: Bool
    /// 1-based line where the comment starts.
    public let line: Int
    /// 1-based column (in Unicode scalars) where the comment starts.
    public let column: Int

    public init(text: String, body: String, isBlock: Bool, line: Int, column: Int) {
        self.text = text
        self.body = body
        self.isBlock = isBlock
        self.line = line
        self.column = column
    }
}
