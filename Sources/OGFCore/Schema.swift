/// The type of one configuration field, checked before anything runs.
public indirect enum FieldType: Sendable, Equatable, CustomStringConvertible {
    case string
    case int
    case number
    case bool
    /// A string such as `30s`, `2m`, `500ms`.
    case duration
    /// One of a fixed set of strings.
    case oneOf([String])
    case list(FieldType)
    case map(FieldType)
    /// A nested mapping with its own fields.
    case object(Schema)
    case any

    public var description: String {
        switch self {
        case .string: return "string"
        case .int: return "integer"
        case .number: return "number"
        case .bool: return "boolean"
        case .duration: return "duration (e.g. 30s, 2m)"
        case .oneOf(let xs): return "one of " + xs.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list(let t): return "list of \(t)"
        case .map(let t): return "map of \(t)"
        case .object: return "mapping"
        case .any: return "any value"
        }
    }

    /// Checks a (resolved) value. Unknown values pass: they are checked again at apply.
    /// Returns a message for the first mismatch, with the path inside the value.
    public func check(_ value: Value, path: String = "") -> String? {
        let at = path.isEmpty ? "" : " at \(path)"
        switch (self, value) {
        case (_, .unknown), (.any, _): return nil
        case (_, .sensitive(let v)): return check(v, path: path)
        case (_, .redacted): return nil
        case (.string, .string), (.string, .int), (.string, .double), (.string, .bool): return nil
        case (.int, .int): return nil
        case (.int, .string(let s)) where Int(s) != nil: return nil
        case (.number, .int), (.number, .double): return nil
        case (.number, .string(let s)) where Double(s) != nil: return nil
        case (.bool, .bool): return nil
        case (.duration, .string(let s)):
            return DurationText.seconds(s) == nil ? "expected a duration such as 30s, 2m or 500ms, got \"\(s)\"\(at)" : nil
        case (.duration, .int(let i)) where i >= 0: return nil
        case (.duration, .double(let d)) where d >= 0: return nil
        case (.oneOf(let xs), .string(let s)):
            return xs.contains(s) ? nil : "expected \(self), got \"\(s)\"\(at)" + Suggestion.didYouMean(s, xs)
        case (.list(let t), .list(let items)):
            for (i, item) in items.enumerated() {
                if let m = t.check(item, path: "\(path)[\(i)]") { return m }
            }
            return nil
        case (.map(let t), .map(let m)):
            for k in m.keys.sorted() {
                if let msg = t.check(m[k]!, path: path.isEmpty ? k : "\(path).\(k)") { return msg }
            }
            return nil
        case (.object(let schema), .map(let m)):
            for k in m.keys.sorted() {
                guard let f = schema.field(k) else {
                    return "unknown key \"\(k)\"\(at)." + Suggestion.didYouMean(k, schema.fields.map(\.name))
                }
                if let msg = f.type.check(m[k]!, path: path.isEmpty ? k : "\(path).\(k)") { return msg }
            }
            for f in schema.fields where f.required && m[f.name] == nil {
                return "missing required key \"\(f.name)\"\(at)"
            }
            return nil
        default:
            return "expected \(self), got \(value.typeName)\(at)"
        }
    }
}

/// One field of a kind's configuration.
public struct FieldSpec: Sendable, Equatable {
    public var name: String
    public var type: FieldType
    public var required: Bool
    /// One line for `--help`-style docs and errors.
    public var doc: String
    public var defaultValue: Value?
    /// Always treated as sensitive, even when written literally.
    public var sensitive: Bool
    /// Changing it replaces the resource rather than updating it in place.
    public var forcesReplacement: Bool
    /// A list of resource addresses that must be declared and finish first (as `depends_on`),
    /// e.g. a watch's `after` and `rollback`.
    public var isAddressList = false

    public init(_ name: String, _ type: FieldType, required: Bool = false, default defaultValue: Value? = nil,
                sensitive: Bool = false, forcesReplacement: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.required = required
        self.doc = doc
        self.defaultValue = defaultValue
        self.sensitive = sensitive
        self.forcesReplacement = forcesReplacement
    }

    /// A field of resource addresses that are also dependencies.
    public static func addresses(_ name: String, required: Bool = false, doc: String) -> FieldSpec {
        var f = FieldSpec(name, .list(.string), required: required, doc: doc)
        f.isAddressList = true
        return f
    }
}

/// The fields a kind accepts. Validation against it happens before anything runs.
public struct Schema: Sendable, Equatable {
    public var fields: [FieldSpec]

    public init(_ fields: [FieldSpec]) { self.fields = fields }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }

    /// Meta-arguments every resource accepts, whatever its kind.
    public static let metaFields: [FieldSpec] = [
        FieldSpec("depends_on", .list(.string), doc: "Explicit dependencies: addresses of resources that must finish first."),
        FieldSpec("description", .string, doc: "Free text shown in plans and reports."),
        FieldSpec("checklist_name", .string, doc: "The line this gate or check answers in `ogf checklist` (e.g. jwt_secret_present); defaults to its kind's checklist name."),
    ]

    /// Fills defaults for absent optional fields.
    public func withDefaults(_ config: [String: Value]) -> [String: Value] {
        var out = config
        for f in fields where out[f.name] == nil {
            if let d = f.defaultValue { out[f.name] = d }
        }
        return out
    }
}
