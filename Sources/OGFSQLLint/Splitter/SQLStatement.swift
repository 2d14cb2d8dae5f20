/// One SQL statement of a migration file, as PostgreSQL would receive it.
public struct SQLStatement: Sendable, Hashable, Codable {
    /// Position of the statement in its file, starting at 0; directives and findings refer to statements by it.
    public let index: Int
    /// The statement's source text from its first token to its last, without the terminating `;`.
    /// Comments inside the statement are part of the text; comments before it are not.
    public let text: String
    /// 1-based line of the statement's first token.
    public let line: Int
    /// 1-based column (in Unicode scalars) of the statement's first token.
    public let column: Int
    /// Comments attached to the statement, in file order: those between the previous statement and this one,
    /// those inside it, and those trailing its `;` on the same line (`DROP TABLE t; -- ogf:allow ...`).
    public let comments: [SQLComment]
    /// The normalized tokens rules match on; never empty, and without the terminating `;`.
    public let tokens: [SQLToken]

    public init(index: Int, text: String, line: Int, column: Int, comments: [SQLComment], tokens: [SQLToken]) {
        self.index = index
        self.text = text
        self.line = line
        self.column = column
        self.comments = comments
        self.tokens = tokens
    }
}
