/// How much a finding matters to a deploy.
public enum LintSeverity: String, Sendable, Hashable, Comparable, Codable {
    /// Blocks the deploy unless the finding is allowed with a reason.
    case error
    /// Shown in the plan; never blocks.
    case warning
    /// A lock or rewrite finding on a table that is new in this plan or empty in the live database: shown with
    /// that reason, never blocks.
    case info

    private var rank: Int {
        switch self {
        case .error: return 0
        case .warning: return 1
        case .info: return 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
