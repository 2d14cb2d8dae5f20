/// Flags `ogf:` directives ogf does not understand, and allows naming rules that do not exist.
///
/// A misspelt `-- ogf:no-transation` silently leaves the file transactional and a misspelt rule id allows
/// nothing; both should be seen before deploy rather than discovered during it.
public struct UnknownDirectiveRule: LintRule {
    public static let id = "unknown-directive"
    public static let severity = LintSeverity.warning

    public init() {}

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        migration.directives.all.compactMap { directive in
            let message: String
            switch directive.kind {
            case .unknown(let name):
                message = "`ogf:\(name)` is not a directive ogf knows (no-transaction, breaking, allow)"
            case .allow(let ruleID?, _) where !migration.knownRuleIDs.contains(ruleID):
                message = "`ogf:allow \(ruleID)` names no rule ogf runs, so it allows nothing"
            default:
                return nil
            }
            return finding(
                in: migration, line: directive.line, column: directive.column, statementIndex: nil,
                message: message,
                whyDangerous: "A directive ogf does not understand is ignored: the file runs as if it were not there.",
                safeAlternative: "Fix the spelling; the directives are `-- ogf:no-transaction`, `-- ogf:breaking` and "
                    + "`-- ogf:allow RULE_ID reason`, with the rule ids shown in findings.")
        }
    }
}
