/// Every `-- ogf:allow` must name a rule and say why; an unexplained exception cannot be reviewed.
public struct AllowWithoutReasonRule: LintRule {
    public static let id = "allow-without-reason"
    public static let severity = LintSeverity.error

    public init() {}

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        migration.directives.allows.compactMap { directive in
            guard case .allow(let ruleID, let reason) = directive.kind, reason == nil || ruleID == nil else { return nil }
            let message = ruleID.map { "`-- ogf:allow \($0)` gives no reason, so it allows nothing" }
                ?? "`-- ogf:allow` names no rule"
            return finding(
                in: migration, line: directive.line, column: directive.column, statementIndex: nil,
                message: message,
                whyDangerous: "An exception without a recorded reason cannot be reviewed: the plan would show a "
                    + "dangerous operation accepted by nobody knows whom or why.",
                safeAlternative: "Write the rule id and the reason: `-- ogf:allow RULE_ID why this is safe here`.")
        }
    }
}
