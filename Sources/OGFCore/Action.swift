/// What a plan will do to one resource, with Terraform's symbols.
public enum Action: String, Sendable, Codable, CaseIterable, Comparable {
    case noop
    case create
    case update
    case replace
    case delete
    /// A managed step that runs on every apply (`exec` with `always: true`): nothing is
    /// created or destroyed, so it is neither an add nor a change.
    case run
    /// Gates and checks: read-only, run on every apply.
    case check

    public var symbol: String {
        switch self {
        case .noop: return " "
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .run: return ">"
        case .check: return "<="
        }
    }

    /// "will be created", as in `# exec.build will be created`.
    public var verbPhrase: String {
        switch self {
        case .noop: return "is up to date"
        case .create: return "will be created"
        case .update: return "will be updated in place"
        case .replace: return "must be replaced"
        case .delete: return "will be destroyed"
        case .run: return "will run"
        case .check: return "will be checked"
        }
    }

    /// Whether a managed resource changes (what `-detailed-exitcode` reports): not checks, not runs.
    public var isChange: Bool { self != .noop && self != .check && self != .run }

    public static func < (a: Action, b: Action) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How a kind takes part in a release.
public enum ResourceRole: String, Sendable, Codable {
    /// Pre-flight: must pass before dependent work starts; runs on every apply.
    case gate
    /// Post-deploy verification; runs on every apply.
    case check
    /// Owns something whose state is recorded and diffed (a command run, a schema, an image, objects).
    case managed
}
