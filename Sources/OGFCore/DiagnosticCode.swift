/// A stable name for a kind of problem. Programs match on these, never on message text; the JSON
/// output carries them (docs/json-format.md). New codes are added here, never renamed.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Reading files.
    /// The YAML could not be parsed at all: nothing of the file is used.
    public static let yamlSyntax = DiagnosticCode("yaml_syntax")
    /// Aliases expand past the limit ("billion laughs"): the file is refused whole.
    public static let yamlAliasLimit = DiagnosticCode("yaml_alias_limit")
    public static let yamlUnknownAnchor = DiagnosticCode("yaml_unknown_anchor")
    public static let yamlDuplicateKey = DiagnosticCode("yaml_duplicate_key")
    public static let unreadableFile = DiagnosticCode("unreadable_file")

    // Configuration.
    public static let unknownKind = DiagnosticCode("unknown_kind")
    public static let unknownField = DiagnosticCode("unknown_field")
    public static let missingField = DiagnosticCode("missing_field")
    public static let wrongType = DiagnosticCode("wrong_type")
    public static let unknownReference = DiagnosticCode("unknown_reference")
    public static let dependencyCycle = DiagnosticCode("dependency_cycle")
    /// A kind found a field's value unusable (decoded, but wrong for what it means).
    public static let invalidField = DiagnosticCode("invalid_field")
    /// A file a kind reads (a manifest, a migration) has a problem at a position of its own.
    public static let invalidInputFile = DiagnosticCode("invalid_input_file")

    // Planning and applying.
    public static let planFailed = DiagnosticCode("plan_failed")
    public static let stalePlan = DiagnosticCode("stale_plan")
    public static let stateNotRecorded = DiagnosticCode("state_not_recorded")
}
