/// A configuration or state value: the JSON data model plus two marks the engine needs.
///
/// - `unknown`: known only after apply (another resource's output that will change).
/// - `sensitive`: holds a secret in memory; it renders as `(sensitive)` and can never be encoded.
///   Before anything is persisted, `redacted(with:)` turns it into `redacted(hash)`, a salted hash
///   that still lets a later plan notice the secret changed.
public indirect enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case map([String: Value])
    case unknown
    case sensitive(Value)
    case redacted(String)

    public var isKnown: Bool {
        switch self {
        case .unknown: return false
        case .list(let xs): return xs.allSatisfy(\.isKnown)
        case .map(let m): return m.values.allSatisfy(\.isKnown)
        case .sensitive(let v): return v.isKnown
        default: return true
        }
    }

    public var isSensitive: Bool {
        switch self {
        case .sensitive, .redacted: return true
        case .list(let xs): return xs.contains(where: \.isSensitive)
        case .map(let m): return m.values.contains(where: \.isSensitive)
        default: return false
        }
    }

    /// The value with sensitivity marks removed, for kinds that must use the secret.
    public var unmarked: Value {
        switch self {
        case .sensitive(let v): return v.unmarked
        case .list(let xs): return .list(xs.map(\.unmarked))
        case .map(let m): return .map(m.mapValues(\.unmarked))
        default: return self
        }
    }

    /// Replaces every sensitive value by its salted hash, so the result is safe to persist.
    public func redacted(with hasher: SecretHasher) -> Value {
        switch self {
        case .sensitive(let v): return .redacted(hasher.hash(v.unmarked.canonicalText))
        case .list(let xs): return .list(xs.map { $0.redacted(with: hasher) })
        case .map(let m): return .map(m.mapValues { $0.redacted(with: hasher) })
        default: return self
        }
    }

    /// Paths (`field`, `field.key`, `field[2]`) under which a sensitive value sits; state records
    /// these paths, never the values.
    public func sensitivePaths(prefix: String = "") -> [String] {
        switch self {
        case .sensitive, .redacted: return [prefix]
        case .list(let xs):
            return xs.enumerated().flatMap { $0.element.sensitivePaths(prefix: "\(prefix)[\($0.offset)]") }
        case .map(let m):
            return m.keys.sorted().flatMap { k in m[k]!.sensitivePaths(prefix: prefix.isEmpty ? k : "\(prefix).\(k)") }
        default: return []
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return Value.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .sensitive(let v): return v.stringValue
        default: return nil
        }
    }

    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded(): return Int(exactly: d)
        case .string(let s): return Int(s)
        case .sensitive(let v): return v.intValue
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        case .sensitive(let v): return v.doubleValue
        default: return nil
        }
    }

    public var boolValue: Bool? {
        switch self {
        case .bool(let b): return b
        case .sensitive(let v): return v.boolValue
        default: return nil
        }
    }

    public var listValue: [Value]? {
        switch self {
        case .list(let xs): return xs
        case .sensitive(let v): return v.listValue
        default: return nil
        }
    }

    public var mapValue: [String: Value]? {
        switch self {
        case .map(let m): return m
        case .sensitive(let v): return v.mapValue
        default: return nil
        }
    }

    public subscript(key: String) -> Value? { mapValue?[key] }

    /// A short name of the value's type for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "number"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .unknown: return "unknown"
        case .sensitive(let v): return v.typeName
        case .redacted: return "sensitive"
        }
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }

    /// A canonical, key-sorted text form used for hashing and equality of inputs.
    /// Sensitive values appear in it: never print or persist it.
    public var canonicalText: String {
        // Built as bytes: it is made for every resource of every plan (afterDigest).
        var out: [UInt8] = []
        out.reserveCapacity(64)
        writeCanonical(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d): out += Value.format(d).utf8
        case .string(let s): Value.appendQuoted(s, to: &out)
        case .list(let xs):
            out.append(UInt8(ascii: "["))
            for (i, x) in xs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                x.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let m):
            out.append(UInt8(ascii: "{"))
            for (i, kv) in m.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Value.appendQuoted(kv.key, to: &out)
                out.append(UInt8(ascii: ":"))
                kv.value.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .unknown: out += "{\"$unknown\":true}".utf8
        case .sensitive(let v): out += "{\"$sensitive\":".utf8; v.writeCanonical(into: &out); out.append(UInt8(ascii: "}"))
        case .redacted(let h): out += "{\"$sensitive\":".utf8; Value.appendQuoted(h, to: &out); out.append(UInt8(ascii: "}"))
        }
    }

    /// `quoted(s)`'s bytes: only ASCII is escaped, so escaping bytes is escaping scalars.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += "\\u00".utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A JSON string literal.
    public static func quoted(_ s: String) -> String {
        // Most strings need no escape: copy them whole instead of scalar by scalar.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

extension Value: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let xs = try? c.decode([Value].self) { self = .list(xs); return }
        let m = try c.decode([String: Value].self)
        if m.count == 1, case .bool(true)? = m["$unknown"] { self = .unknown; return }
        if m.count == 1, case .string(let h)? = m["$sensitive"] { self = .redacted(h); return }
        self = .map(m)
    }

    /// Encodes as plain JSON; `unknown` and `redacted` as marker objects. A raw sensitive value
    /// refuses to encode: redact first. This is the last line of defence against a leak.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let xs): try c.encode(xs)
        case .map(let m): try c.encode(m)
        case .unknown: try c.encode(["$unknown": true])
        case .redacted(let h): try c.encode(["$sensitive": h])
        case .sensitive:
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "refusing to encode a sensitive value; redact it first"))
        }
    }
}

extension Value: CustomStringConvertible {
    /// Human rendering used in plans: strings quoted, `(sensitive)`, `(known after apply)`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Value.format(d)
        case .string(let s): return Value.quoted(s)
        case .list(let xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
        case .map(let m):
            if m.isEmpty { return "{}" }
            return "{ " + m.keys.sorted().map { "\($0) = \(m[$0]!.description)" }.joined(separator: ", ") + " }"
        case .unknown: return "(known after apply)"
        case .sensitive, .redacted: return "(sensitive)"
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral s: String) { self = .string(s) }
    public init(integerLiteral i: Int) { self = .int(i) }
    public init(booleanLiteral b: Bool) { self = .bool(b) }
    public init(floatLiteral d: Double) { self = .double(d) }
    public init(arrayLiteral xs: Value...) { self = .list(xs) }
    public init(dictionaryLiteral kv: (String, Value)...) { self = .map(Dictionary(kv, uniquingKeysWith: { $1 })) }
}
