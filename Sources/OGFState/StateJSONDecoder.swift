import Foundation
import OGFCore

/// A JSON `Decoder` for state files and journal lines, standing in for Foundation's
/// `JSONDecoder` (with `.iso8601` dates) on the path every command takes.
///
/// Why: reading the state of 10,000 resources took most of a no-change `ogf plan`. Foundation's
/// decoder is general, and `Value`'s `init(from:)` has to guess a value's type by trying Bool,
/// Int, Double, String and list in turn, each miss building an error with its coding path. Here
/// the document is parsed once into a tree and a `Value` is read straight off it; every other type
/// still decodes through its own `Codable` conformance, so the format stays defined in one place.
///
/// Semantics follow `JSONDecoder`: a number whose value is integral and fits an `Int` is an
/// `Int` (`1.0`, `1e2`), others are `Double`; keys missing, wrong types and malformed text
/// throw `DecodingError`.
struct StateJSONDecoder {
    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let root = try data.withUnsafeBytes { raw -> JSONNode in
            var parser = JSONTreeParser(bytes: raw.bindMemory(to: UInt8.self))
            return try parser.parseDocument()
        }
        return try _StateDecoder(node: root, parent: nil, key: nil).unbox(root, as: T.self, key: nil)
    }
}

/// A parsed JSON document.
indirect enum JSONNode {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONNode])
    case object([(key: String, value: JSONNode)])

    var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "dictionary"
        }
    }

    /// The node as a `Value`, with the same marker objects `Value.init(from:)` recognises.
    var value: Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let xs): return .list(xs.map(\.value))
        case .object(let pairs):
            if pairs.count == 1 {
                if pairs[0].key == "$unknown", case .bool(true) = pairs[0].value { return .unknown }
                if pairs[0].key == "$sensitive", case .string(let h) = pairs[0].value { return .redacted(h) }
            }
            var m = [String: Value](minimumCapacity: pairs.count)
            for p in pairs { m[p.key] = p.value.value }
            return .map(m)
        }
    }
}

/// A coding-path component, kept without an existential until a path is asked for.
private enum PathKey {
    case key(String)
    case index(Int)

    var codingKey: any CodingKey {
        switch self {
        case .key(let s): return AnyKey(stringValue: s)
        case .index(let i): return AnyKey(intValue: i)
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

private final class _StateDecoder: Decoder {
    let node: JSONNode
    let parent: _StateDecoder?
    let key: PathKey?

    init(node: JSONNode, parent: _StateDecoder?, key: PathKey?) {
        self.node = node
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var d: _StateDecoder? = self
        while let cur = d {
            if let k = cur.key { path.append(k.codingKey) }
            d = cur.parent
        }
        return path.reversed()
    }

    func path(adding key: PathKey?) -> [any CodingKey] {
        key.map { codingPath + [$0.codingKey] } ?? codingPath
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let pairs) = node else { throw mismatch([String: Any].self, node, key: nil) }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, pairs: pairs))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = node else { throw mismatch([Any].self, node, key: nil) }
        return UnkeyedContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func mismatch(_ type: Any.Type, _ node: JSONNode, key: PathKey?) -> DecodingError {
        if case .null = node {
            return .valueNotFound(type, .init(codingPath: path(adding: key), debugDescription: "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: path(adding: key), debugDescription: "Expected to decode \(type) but found \(node.typeDescription) instead."))
    }

    /// Decodes `node`, a child of this decoder's node under `key` (nil: this node itself).
    func unbox<T: Decodable>(_ node: JSONNode, as type: T.Type, key: PathKey?) throws -> T {
        if T.self == Value.self { return node.value as! T }
        if T.self == [String: Value].self {
            guard case .object(let pairs) = node else { throw mismatch(type, node, key: key) }
            var m = [String: Value](minimumCapacity: pairs.count)
            for p in pairs { m[p.key] = p.value.value }
            return m as! T
        }
        if T.self == Date.self {
            guard case .string(let s) = node else { throw mismatch(type, node, key: key) }
            guard let date = ISO8601.parse(s) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(adding: key), debugDescription: "Expected date string to be ISO8601-formatted."))
            }
            return date as! T
        }
        if T.self == [String].self {
            guard case .array(let items) = node else { throw mismatch(type, node, key: key) }
            var out: [String] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw _StateDecoder(node: node, parent: self, key: key).mismatch(String.self, item, key: .index(i))
                }
                out.append(s)
            }
            return out as! T
        }
        if T.self == String.self { return try unboxString(node, key: key) as! T }
        if T.self == Int.self { return try unboxInteger(node, as: Int.self, key: key) as! T }
        if T.self == Bool.self { return try unboxBool(node, key: key) as! T }
        let child = key == nil ? self : _StateDecoder(node: node, parent: self, key: key)
        return try T(from: child)
    }

    func unboxString(_ node: JSONNode, key: PathKey?) throws -> String {
        guard case .string(let s) = node else { throw mismatch(String.self, node, key: key) }
        return s
    }

    func unboxBool(_ node: JSONNode, key: PathKey?) throws -> Bool {
        guard case .bool(let b) = node else { throw mismatch(Bool.self, node, key: key) }
        return b
    }

    func unboxInteger<T: FixedWidthInteger>(_ node: JSONNode, as type: T.Type, key: PathKey?) throws -> T {
        let v: T?
        switch node {
        case .int(let i): v = T(exactly: i)
        case .double(let d): v = T(exactly: d)
        default: throw mismatch(type, node, key: key)
        }
        guard let v else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(adding: key), debugDescription: "Number \(node) does not fit in \(T.self)."))
        }
        return v
    }

    func unboxDouble(_ node: JSONNode, key: PathKey?) throws -> Double {
        switch node {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw mismatch(Double.self, node, key: key)
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: _StateDecoder
    let pairs: [(key: String, value: JSONNode)]
    /// Where the next lookup starts: `Dictionary.init(from:)` and synthesized initialisers mostly
    /// ask for keys in the order they appear, so a large object is not searched from the start
    /// for each of its keys.
    private let hint = Hint()

    final class Hint { var next = 0 }

    init(decoder: _StateDecoder, pairs: [(key: String, value: JSONNode)]) {
        self.decoder = decoder
        self.pairs = pairs
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func find(_ key: Key) -> JSONNode? {
        let name = key.stringValue
        let n = pairs.count
        var i = hint.next
        for _ in 0..<n {
            if i >= n { i = 0 }
            if pairs[i].key == name {
                hint.next = i + 1
                return pairs[i].value
            }
            i += 1
        }
        return nil
    }

    func require(_ key: Key) throws -> JSONNode {
        guard let v = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue) (\"\(key.stringValue)\")."))
        }
        return v
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try require(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.unboxBool(require(key), key: .key(key.stringValue)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.unboxString(require(key), key: .key(key.stringValue)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.unboxDouble(require(key), key: .key(key.stringValue)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder.unboxDouble(require(key), key: .key(key.stringValue))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.unboxInteger(require(key), as: type, key: .key(key.stringValue)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(require(key), as: type, key: .key(key.stringValue))
    }

    /// Like `JSONDecoder`: an absent key or a null gives nil.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = find(key) else { return nil }
        if case .null = node { return nil }
        return try decoder.unbox(node, as: type, key: .key(key.stringValue))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try _StateDecoder(node: require(key), parent: decoder, key: .key(key.stringValue)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try _StateDecoder(node: require(key), parent: decoder, key: .key(key.stringValue)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        _StateDecoder(node: pairs.first { $0.key == "super" }?.value ?? .null, parent: decoder, key: .key("super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        _StateDecoder(node: find(key) ?? .null, parent: decoder, key: .key(key.stringValue))
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: _StateDecoder
    let items: [JSONNode]
    var currentIndex = 0

    init(decoder: _StateDecoder, items: [JSONNode]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next(_ type: Any.Type) throws -> JSONNode {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: decoder.path(adding: .index(currentIndex)), debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let i = currentIndex
        return try decoder.unbox(next(type), as: type, key: .index(i))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let i = currentIndex
        return try _StateDecoder(node: next([String: Any].self), parent: decoder, key: .index(i)).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let i = currentIndex
        return try _StateDecoder(node: next([Any].self), parent: decoder, key: .index(i)).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let i = currentIndex
        return _StateDecoder(node: try next(Any.self), parent: decoder, key: .index(i))
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: _StateDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.node { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decoder.unboxBool(decoder.node, key: nil) }
    func decode(_ type: String.Type) throws -> String { try decoder.unboxString(decoder.node, key: nil) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.unboxDouble(decoder.node, key: nil) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.unboxDouble(decoder.node, key: nil)) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.unboxInteger(decoder.node, as: type, key: nil) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(decoder.node, as: type, key: nil) }
}

/// `JSONDecoder`'s `.iso8601` dates: `2026-11-27T10:00:00Z` (what ogf writes) is read directly;
/// anything else goes to Foundation's ISO 8601 parser, as before.
enum ISO8601 {
    static func parse(_ s: String) -> Date? {
        if let d = parseUTCSeconds(s) { return d }
        return try? Date.ISO8601FormatStyle().parse(s)
    }

    static func parseUTCSeconds(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { u -> Date? in
            guard u.count == 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
                  u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"), u[19] == UInt8(ascii: "Z") else { return nil }
            func num(_ from: Int, _ len: Int) -> Int? {
                var v = 0
                for i in from..<(from + len) {
                    let c = u[i]
                    guard c >= 48, c <= 57 else { return nil }
                    v = v * 10 + Int(c - 48)
                }
                return v
            }
            guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let sec = num(17, 2),
                  (1...12).contains(mo), d >= 1, h < 24, mi < 60, sec < 60 else { return nil }
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard d <= monthDays[mo - 1] else { return nil }
            // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
            let yy = mo <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            let unix = days * 86_400 + h * 3_600 + mi * 60 + sec
            return Date(timeIntervalSince1970: TimeInterval(unix))
        }
    }
}

/// Parses a whole JSON document (RFC 8259) into `JSONNode`s.
struct JSONTreeParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    func fail(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "The given data was not valid JSON.",
                             underlyingError: SyntaxError(offset: i, message: message)))
    }

    mutating func parseDocument() throws -> JSONNode {
        skipSpace()
        let v = try parseValue(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the value") }
        return v
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString, _ node: JSONNode) throws -> JSONNode {
        let n = literal.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("unexpected end of data") }
        let p = literal.utf8Start
        for k in 0..<n where bytes[i + k] != p[k] { throw fail("unexpected character") }
        i += n
        return node
    }

    mutating func parseValue(depth: Int) throws -> JSONNode {
        guard depth < 512 else { throw fail("too deeply nested") }
        guard i < bytes.count else { throw fail("unexpected end of data") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(key: String, value: JSONNode)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let k = try parseString()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                let v = try parseValue(depth: depth + 1)
                pairs.append((k, v))
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of data") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONNode] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of data") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    /// Integral values that fit an `Int` become `.int`, as `JSONDecoder` reads them for `Value`.
    mutating func parseNumber() throws -> JSONNode {
        let start = i
        var isInteger = true
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
        guard i > digitsStart else { throw fail("expected a digit") }
        if bytes[digitsStart] == UInt8(ascii: "0"), i - digitsStart > 1 { throw fail("leading zero in a number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let f = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
            guard i > f else { throw fail("expected a digit after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
            guard i > e else { throw fail("expected a digit in the exponent") }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<i])
        if isInteger, text.count <= 18 {
            var v = 0
            for c in text where c != UInt8(ascii: "-") { v = v * 10 + Int(c - 48) }
            return .int(bytes[start] == UInt8(ascii: "-") ? -v : v)
        }
        let s = String(decoding: text, as: UTF8.self)
        if isInteger, let v = Int(s) { return .int(v) }
        guard let d = Double(s), d.isFinite else { throw fail("number \(s) is out of range") }
        if let v = Int(exactly: d) { return .int(v) }
        return .double(d)
    }

    mutating func parseString() throws -> String {
        i += 1  // the opening quote
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in a string") }
            i += 1
        }
        // Escapes: build the bytes.
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in a string")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("unpaired surrogate in a string")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw fail("invalid escape in a string")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("unexpected end of data") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 97...102: d = UInt32(c - 87)
            case 65...70: d = UInt32(c - 55)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }
}
