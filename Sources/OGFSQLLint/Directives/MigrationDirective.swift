/// An instruction to ogf written in a comment of a migration file, such as `-- ogf:no-transaction`.
///
/// Directives live in comments so the file stays plain SQL that psql or any other tool runs unchanged.
public struct MigrationDirective: Sendable, Hashable, Codable {
    /// What the directive says.
    public enum Kind: Sendable, Hashable, Codable {
        /// `ogf:no-transaction`: the file runs outside a transaction, one statement at a time
        /// (required for CREATE/DROP INDEX CONCURRENTLY).
        case noTransaction
        /// `ogf:breaking`: a contract migration the old version of the app cannot run against; ogf applies it only
        /// once no old instance is left, so findings about breaking old code are allowed in it.
        case breaking
        /// `ogf:allow RULE_ID reason`: accepts a finding of rule `ruleID` on the statement the comment precedes or
        /// is inside of. `ruleID` is nil when none was written; `reason` is nil when none was written, and then
        /// the directive allows nothing.
        case allow(ruleID: String?, reason: String?)
        /// `ogf:<name>` with a name ogf does not know, most likely a typo of one it does.
        case unknown(name: String)
    }

    public let kind: Kind
    /// 1-based line of the comment holding the directive.
    public let line: Int
    /// 1-based column of the comment holding the directive.
    public let column: Int
    /// Index of the statement the comment is attached to; nil for comments after the last statement.
    public let statementIndex: Int?

    public init(kind: Kind, line: Int, column: Int, statementIndex: Int?) {
        self.kind = kind
        self.line = line
        self.column = column
        self.statementIndex = statementIndex
    }
}
