/// Everything the linter learned about one migration file: the findings for the plan and the directives that
/// tell ogf how to run the file.
public struct LintReport: Sendable, Hashable, Codable {
    public let file: String
    /// All findings, allowed ones included, sorted by line, column, then rule id so output is deterministic.
    public let findings: [LintFinding]
    public let directives: MigrationDirectives
    /// The statements, in order, so the runner can send them one by one in a no-transaction file.
    public let statements: [SQLStatement]

    public init(file: String, findings: [LintFinding], directives: MigrationDirectives, statements: [SQLStatement]) {
        self.file = file
        self.findings = findings
        self.directives = directives
        self.statements = statements
    }

    /// Errors that are not allowed: any of them means the deploy must stop.
    public var blockingFindings: [LintFinding] { findings.filter(\.isBlocking) }
    /// Whether the file may be applied.
    public var isBlocking: Bool { findings.contains(where: \.isBlocking) }
}
