/// The typed address of a resource, `<kind>.<name>`, as written in configuration keys,
/// references (`${image.api.digest}`) and `--target`.
public struct ResourceAddress: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let kind: String
    public let name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    /// Parses `kind.name`; both parts are identifiers (`[A-Za-z_][A-Za-z0-9_-]*`).
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isIdentifier(parts[0]), Self.isIdentifier(parts[1]) else { return nil }
        self.kind = String(parts[0])
        self.name = String(parts[1])
    }

    public var description: String { "\(kind).\(name)" }

    public static func < (a: ResourceAddress, b: ResourceAddress) -> Bool {
        (a.kind, a.name) < (b.kind, b.name)
    }

    public static func isIdentifier<S: StringProtocol>(_ s: S) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        guard isLetter(first) else { return false }
        return s.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") || $0 == "-" }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = ResourceAddress(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid resource address \(text)"))
        }
        self = a
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
