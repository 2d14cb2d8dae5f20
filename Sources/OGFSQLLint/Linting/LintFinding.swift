/// One danger the linter found in a migration file, with where it is, why it hurts and what to do instead.
public struct LintFinding: Sendable, Hashable, Codable {
    /// The id of the rule that found it, such as `create-index-without-concurrently`; what `ogf:allow` names.
    public let ruleID: String
    /// Lowered to ``LintSeverity/info`` when the table is known to be new or empty (see ``note``).
    public internal(set) var severity: LintSeverity
    /// The file name given to ``MigrationLinter/lint(file:sql:)``.
    public let file: String
    /// 1-based line of the statement or of the offending token.
    public let line: Int
    /// 1-based column (in Unicode scalars) of the statement or of the offending token.
    public let column: Int
    /// What is wrong, naming the objects involved.
    public let message: String
    /// Why it is dangerous during a rolling deploy: which lock blocks the running app, or how the old version breaks.
    public let whyDangerous: String
    /// The zero-downtime way to get the same result.
    public let safeAlternative: String
    /// The statement the finding is about, which is what an `ogf:allow` must precede or sit inside of.
    /// Nil for findings about the whole file or about a directive; an allow anywhere in the file covers those.
    public let statementIndex: Int?
    /// The reason from the `ogf:allow` (or the `ogf:breaking` marker) that accepts this finding; nil if not allowed.
    /// An allowed finding is still reported, so the plan shows it, but it does not block.
    public internal(set) var allowedReason: String?
    /// The existing table whose size decides how much the finding hurts (lock and rewrite findings only), as written.
    public let table: String?
    /// What the catalog or the live database added: the table's size (`readings: ~48M rows, 19 GB`) or why the
    /// finding was lowered to info (`table readings is empty in the live database`).
    public internal(set) var note: String?

    public init(
        ruleID: String, severity: LintSeverity, file: String, line: Int, column: Int, message: String,
        whyDangerous: String, safeAlternative: String, statementIndex: Int?, allowedReason: String? = nil,
        table: String? = nil, note: String? = nil
    ) {
        self.ruleID = ruleID
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.whyDangerous = whyDangerous
        self.safeAlternative = safeAlternative
        self.statementIndex = statementIndex
        self.allowedReason = allowedReason
        self.table = table
        self.note = note
    }

    public var isAllowed: Bool { allowedReason != nil }
    /// An error nobody has allowed: the deploy must not proceed.
    public var isBlocking: Bool { severity == .error && !isAllowed }
}
