import Foundation

/// Decodes a resource's resolved configuration (`[String: Value]`, schema defaults already filled
/// in by the engine) into a kind's own `Decodable` type, once, so kinds read typed fields instead
/// of hand-parsing values and repeating defaults in code.
///
/// - Keys are the schema's field names: declare `CodingKeys` with snake_case raw values.
/// - Sensitive marks are removed transparently; declare a field as `Marked<T>` to know whether it
///   was sensitive (to decide whether a URL may be shown), or as `Value` to get it untouched.
/// - A value not known yet (`unknown` at plan time) throws `ConfigDecoder.NotKnownYet`; use
///   `decodeIfKnown` while planning.
/// - Every other mismatch becomes a `Diagnostic` for the field (`http.url`, `headers[2]`), which
///   the planner places at that field's `FILE:LINE:COLUMN`.
public enum ConfigDecoder {
    /// A value the configuration cannot give yet: known only after an earlier resource is applied.
    public struct NotKnownYet: Error, Sendable {
        public var field: String
    }

    public static func decode<T: Decodable>(_ type: T.Type, from config: [String: Value]) throws -> T {
        do {
            return try ValueDecoder(value: .map(config), codingPath: []).decodeTop(type)
        } catch let e as NotKnownYet {
            throw e
        } catch let e as DecodingError {
            throw diagnostic(e)
        }
    }

    /// nil when some field the type reads is not known yet.
    public static func decodeIfKnown<T: Decodable>(_ type: T.Type, from config: [String: Value]) throws -> T? {
        do { return try decode(type, from: config) } catch is NotKnownYet { return nil }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return out
    }

    static func diagnostic(_ e: DecodingError) -> Diagnostic {
        switch e {
        case .keyNotFound(let key, let ctx):
            return .field(path(ctx.codingPath + [key]), "missing required field", code: .missingField)
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return .field(path(ctx.codingPath), ctx.debugDescription, code: .wrongType)
        @unknown default:
            return .error("\(e)", code: .wrongType)
        }
    }
}

/// A configuration value with whether it was sensitive: a URL holding a password is shown as
/// `(sensitive URL)`, never as text.
public struct Marked<Wrapped: Decodable & Sendable>: Decodable, Sendable {
    public var value: Wrapped
    public var isSensitive: Bool

    public init(_ value: Wrapped, isSensitive: Bool) {
        self.value = value
        self.isSensitive = isSensitive
    }

    public init(from decoder: any Decoder) throws {
        if let d = decoder as? ValueDecoder {
            isSensitive = d.value.isSensitive
            value = try d.decodeTop(Wrapped.self)
        } else {
            isSensitive = false
            value = try Wrapped(from: decoder)
        }
    }
}

/// A duration field (`30s`, `2m`, `500ms`, or a number of seconds).
public struct ConfigDuration: Decodable, Sendable, Equatable, Comparable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self), d >= 0 {
            seconds = d
            return
        }
        let text = try c.decode(String.self)
        guard let s = DurationText.seconds(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a duration such as 30s, 2m or 500ms, got \"\(text)\"")
        }
        seconds = s
    }

    public var description: String { DurationText.format(seconds) }
    public static func < (a: ConfigDuration, b: ConfigDuration) -> Bool { a.seconds < b.seconds }
}

/// The `Decoder` over `Value`. Public only so `Marked` can see the raw value.
public struct ValueDecoder: Decoder {
    public let value: Value
    public let codingPath: [any CodingKey]
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: Value, codingPath: [any CodingKey]) {
        self.value = value
        self.codingPath = codingPath
    }

    /// Decodes `T` here, with `Value` itself passed through untouched.
    func decodeTop<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Value.self { return value as! T }
        if case .unknown = value { throw ConfigDecoder.NotKnownYet(field: ConfigDecoder.path(codingPath)) }
        return try T(from: self)
    }

    /// The value without its sensitive mark; unknown values stop decoding.
    func plain() throws -> Value {
        switch value {
        case .sensitive(let v): return try ValueDecoder(value: v, codingPath: codingPath).plain()
        case .unknown: throw ConfigDecoder.NotKnownYet(field: ConfigDecoder.path(codingPath))
        case .redacted:
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "a recorded secret's hash cannot be used as a value"))
        default: return value
        }
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let m) = try plain() else {
            throw DecodingError.typeMismatch([String: Value].self, .init(codingPath: codingPath, debugDescription: "expected a mapping, got \(value.typeName)"))
        }
        return KeyedDecodingContainer(KeyedContainer(map: m, codingPath: codingPath))
    }

    public func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let xs) = try plain() else {
            throw DecodingError.typeMismatch([Value].self, .init(codingPath: codingPath, debugDescription: "expected a list, got \(value.typeName)"))
        }
        return UnkeyedContainer(items: xs, codingPath: codingPath)
    }

    public func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ i: Int) { intValue = i }
        init?(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let map: [String: Value]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { map.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { map[key.stringValue] != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let v = map[key.stringValue] else { return true }
            return v == .null
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let v = map[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required field \"\(key.stringValue)\""))
            }
            return try ValueDecoder(value: v, codingPath: codingPath + [key]).decodeTop(type)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = map[key.stringValue], v != .null else { return nil }
            return try ValueDecoder(value: v, codingPath: codingPath + [key]).decodeTop(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: map[key.stringValue] ?? .null, codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try ValueDecoder(value: map[key.stringValue] ?? .null, codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { ValueDecoder(value: .map(map), codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { ValueDecoder(value: map[key.stringValue] ?? .null, codingPath: codingPath + [key]) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [Value]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        init(items: [Value], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        mutating func next() throws -> ValueDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Value.self, .init(codingPath: codingPath + [Index(currentIndex)], debugDescription: "the list has no more items"))
            }
            defer { currentIndex += 1 }
            return ValueDecoder(value: items[currentIndex], codingPath: codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeTop(type) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    /// Scalars, converted the way the schema's types accept them: a string field takes numbers
    /// and booleans as text, a number field takes numeric strings (from `${env.X}`).
    struct SingleContainer: SingleValueDecodingContainer {
        let decoder: ValueDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func mismatch<T>(_ type: T.Type, _ expected: String) -> DecodingError {
            .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), got \(decoder.value.unmarked.typeName)"))
        }

        func decodeNil() -> Bool { decoder.value == .null }

        func decode(_ type: Bool.Type) throws -> Bool {
            switch try decoder.plain() {
            case .bool(let b): return b
            case .string("true"): return true
            case .string("false"): return false
            default: throw mismatch(type, "true or false")
            }
        }

        func decode(_ type: String.Type) throws -> String {
            switch try decoder.plain() {
            case .string(let s): return s
            case .int(let i): return String(i)
            case .double(let d): return Value.format(d)  // as Value.stringValue: digests stay as they were
            case .bool(let b): return String(b)
            default: throw mismatch(type, "a string")
            }
        }

        func decode(_ type: Double.Type) throws -> Double {
            switch try decoder.plain() {
            case .double(let d): return d
            case .int(let i): return Double(i)
            case .string(let s): if let d = Double(s) { return d }
            default: break
            }
            throw mismatch(type, "a number")
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

        func decode(_ type: Int.Type) throws -> Int {
            switch try decoder.plain() {
            case .int(let i): return i
            case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
            case .string(let s): if let i = Int(s) { return i }
            default: break
            }
            throw mismatch(type, "an integer")
        }

        func decode(_ type: Int8.Type) throws -> Int8 { try narrow(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try narrow(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try narrow(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try narrow(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try narrow(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(type) }

        func narrow<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            guard let v = I(exactly: try decode(Int.self)) else { throw mismatch(type, "an integer in range") }
            return v
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeTop(type) }
    }
}

extension PlanRequest {
    /// The configuration as the kind's type; nil while some field it reads is known only after apply.
    public func decodeIfKnown<T: Decodable>(_ type: T.Type) throws -> T? { try ConfigDecoder.decodeIfKnown(type, from: config) }
}

extension ApplyRequest {
    /// The configuration as the kind's type; every value is known at apply.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try ConfigDecoder.decode(type, from: config) }
}
