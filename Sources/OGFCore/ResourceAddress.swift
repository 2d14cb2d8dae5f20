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
        // One pass over the bytes: identifiers are ASCII, so this accepts exactly what splitting
        // on "." and checking each part did, without the arrays (configuration and state parse
        // an address per resource and per reference).
        var dot: String.UTF8View.Index?
        let u = text.utf8
        var start = true
        for i in u.indices {
            let c = u[i]
            if c == UInt8(ascii: ".") {
                guard dot == nil, !start else { return nil }
                dot = i
                start = true
                continue
            }
            let letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95
            guard letter || (!start && ((c >= 48 && c <= 57) || c == 45)) else { return nil }
            start = false
        }
        guard let dot, !start else { return nil }
        self.kind = String(text[..<dot])
        self.name = String(text[u.index(after: dot)...])
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
