/// The result of splitting a migration file: its statements plus what the splitter could not attach or read.
public struct SQLScript: Sendable, Hashable {
    /// The statements in file order; empty statements (`;;`) are dropped.
    public let statements: [SQLStatement]
    /// Comments after the last statement, which precede nothing and so attach to nothing.
    /// File-level directives written at the end of a file are found here.
    public let unattachedComments: [SQLComment]
    /// Literals or comments that never close. Everything after one is swallowed by it, so a linter must
    /// report these: the statements it hides are not checked.
    public let issues: [SQLSplitIssue]

    public init(statements: [SQLStatement], unattachedComments: [SQLComment], issues: [SQLSplitIssue]) {
        self.statements = statements
        self.unattachedComments = unattachedComments
        self.issues = issues
    }
}

/// Something the splitter could not read to its end, such as a string literal without its closing quote.
public struct SQLSplitIssue: Sendable, Hashable {
    /// A sentence saying what is unterminated.
    public let message: String
    /// 1-based line where the unterminated construct starts.
    public let line: Int
    /// 1-based column where the unterminated construct starts.
    public let column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }
}
