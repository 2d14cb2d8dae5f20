/// How much a finding matters to a deploy.
public enum LintSeverity: String, Sendable, Hashable, Comparable, Codable {
    /// Blocks the deploy unless the finding is allowed with a reason.
    case error
    /// Shown in the plan; never blocks.
    case warning

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs == .error && rhs == .warning
    }
}
