/// Options of one run that only some kinds understand (`--context` and `--force-conflicts` for
/// Kubernetes), typed by keys the kinds' own targets declare, so the core types need no field
/// per external system. A saved plan keeps the options it was made with.
public struct RunOptions: Sendable, Codable, Equatable {
    public private(set) var values: [String: Value]

    public init() { values = [:] }

    public subscript<K: RunOptionKey>(key: K.Type) -> K.Value {
        get { values[K.name].flatMap(K.decode) ?? K.defaultValue }
        set { values[K.name] = K.encode(newValue) }
    }

    public var isEmpty: Bool { values.isEmpty }

    /// Takes every option set in `other`.
    public mutating func merge(_ other: RunOptions) { values.merge(other.values) { _, new in new } }

    public init(from decoder: any Decoder) throws { values = try [String: Value](from: decoder) }
    public func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
}

/// A typed key of `RunOptions`, declared by the target of the kinds that read it.
public protocol RunOptionKey {
    associatedtype Value: Sendable
    /// Stable, namespaced by system: `kubernetes.context`.
    static var name: String { get }
    static var defaultValue: Value { get }
    static func decode(_ value: OGFCore.Value) -> Value?
    /// nil removes the option (back to the default).
    static func encode(_ value: Value) -> OGFCore.Value?
}

/// A boolean flag; off by default.
public protocol FlagOptionKey: RunOptionKey where Value == Bool {}
extension FlagOptionKey {
    public static var defaultValue: Bool { false }
    public static func decode(_ value: OGFCore.Value) -> Bool? { value.boolValue }
    public static func encode(_ value: Bool) -> OGFCore.Value? { value ? .bool(true) : nil }
}

/// An optional text value; absent by default.
public protocol TextOptionKey: RunOptionKey where Value == String? {}
extension TextOptionKey {
    public static var defaultValue: String? { nil }
    public static func decode(_ value: OGFCore.Value) -> String?? { value.stringValue.map { .some($0) } }
    public static func encode(_ value: String?) -> OGFCore.Value? { value.map(OGFCore.Value.string) }
}
