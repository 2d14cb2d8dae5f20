/// All directives of one migration file, with the answers ogf needs from them.
public struct MigrationDirectives: Sendable, Hashable, Codable {
    /// Every directive in file order.
    public let all: [MigrationDirective]
    /// Set when the folder's layout, not a directive, says the file runs outside a transaction (Diesel's
    /// `run_in_transaction = false`, sqitch's self-managed transactions).
    public var layoutRunsOutsideTransaction = false

    public init(_ all: [MigrationDirective]) {
        self.all = all
    }

    /// Reads the directives from the comments of a split file.
    public init(script: SQLScript) {
        let attached = script.statements.flatMap { statement in
            statement.comments.map { (comment: $0, statementIndex: Optional(statement.index)) }
        }
        let unattached = script.unattachedComments.map { (comment: $0, statementIndex: Int?.none) }
        self.init((attached + unattached).compactMap { DirectiveParser.parse($0.comment, statementIndex: $0.statementIndex) })
    }

    /// `-- ogf:no-transaction` appears somewhere in the file.
    public var runsOutsideTransaction: Bool {
        layoutRunsOutsideTransaction || all.contains { $0.kind == .noTransaction }
    }

    /// `-- ogf:breaking` appears somewhere in the file.
    public var isBreaking: Bool { all.contains { $0.kind == .breaking } }

    /// The `ogf:allow` directives, with or without rule and reason.
    public var allows: [MigrationDirective] {
        all.filter { if case .allow = $0.kind { true } else { false } }
    }

    /// The reason recorded for allowing rule `ruleID` on statement `statementIndex`, or nil if it is not allowed.
    /// With a nil `statementIndex` (a file-wide finding) an allow anywhere in the file counts.
    /// An allow without a reason allows nothing: the reason is what makes the exception reviewable.
    public func allowReason(ruleID: String, statementIndex: Int?) -> String? {
        for directive in all {
            guard case .allow(let allowedRule, let reason?) = directive.kind, allowedRule == ruleID else { continue }
            if statementIndex == nil || directive.statementIndex == statementIndex { return reason }
        }
        return nil
    }
}
