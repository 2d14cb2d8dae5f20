import OGFCore

/// A YAML node with where it came from. Produced by `YAMLParser`, consumed by the config loader
/// and (later) by manifest readers.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        /// `plain` is false for quoted and block scalars, which are always strings.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var content: Content
    public var location: SourceLocation
    /// An explicit tag such as `tag:yaml.org,2002:str`, if written.
    public var tag: String?
    /// How many nodes this one stands for once aliases are expanded (bounds "billion laughs").
    var expandedSize: Int

    public init(_ content: Content, at location: SourceLocation, tag: String? = nil) {
        self.content = content
        self.location = location
        self.tag = tag
        switch content {
        case .scalar: expandedSize = 1
        case .sequence(let xs): expandedSize = xs.reduce(1) { Self.saturatingAdd($0, $1.expandedSize) }
        case .mapping(let ps):
            expandedSize = ps.reduce(1) { Self.saturatingAdd(Self.saturatingAdd($0, $1.key.expandedSize), $1.value.expandedSize) }
        }
    }

    /// Sizes of nested aliases grow exponentially; clamp instead of overflowing.
    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? Int.max : r
    }

    public var scalar: String? {
        if case .scalar(let s, _) = content { return s }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let ps) = content { return ps }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let xs) = content { return xs }
        return nil
    }

    /// The value for a scalar key in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    public var kindName: String {
        switch content {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The scalar resolved with YAML 1.2's core schema: null, booleans, integers, floats, strings.
    public var typedScalar: Value? {
        guard case .scalar(let s, let plain) = content else { return nil }
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(s)
            case "tag:yaml.org,2002:int": return Int(s).map(Value.int) ?? .string(s)
            case "tag:yaml.org,2002:float": return Double(s).map(Value.double) ?? .string(s)
            case "tag:yaml.org,2002:bool": return .bool(s.lowercased() == "true")
            case "tag:yaml.org,2002:null": return .null
            default: break
            }
        }
        guard plain else { return .string(s) }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int(s) { return .int(i) }
        if s.hasPrefix("0x"), let i = Int(s.dropFirst(2), radix: 16) { return .int(i) }
        if s.hasPrefix("0o"), let i = Int(s.dropFirst(2), radix: 8) { return .int(i) }
        if let first = s.first, first.isNumber || first == "-" || first == "+" || first == ".", let d = Double(s), !s.lowercased().contains("n") || s.lowercased() == ".nan" {
            return .double(d)
        }
        return .string(s)
    }

    /// Converts to a plain value (no templates), for data such as Kubernetes manifests.
    public var value: Value {
        switch content {
        case .scalar: return typedScalar ?? .null
        case .sequence(let xs): return .list(xs.map(\.value))
        case .mapping(let ps):
            var m: [String: Value] = [:]
            for p in ps { m[p.key.scalar ?? p.key.value.description] = p.value.value }
            return .map(m)
        }
    }
}
