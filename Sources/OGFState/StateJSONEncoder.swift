import Foundation
import OGFCore

/// A JSON `Encoder` for state files, journal lines and saved plans that writes exactly the bytes
/// Foundation's `JSONEncoder` wrote with `.sortedKeys`, `.withoutEscapingSlashes`, `.iso8601`
/// dates and, when `pretty`, `.prettyPrinted`.
///
/// Why: writing the saved plan of 10,000 resources was more than half of `ogf plan -out`, and
/// the same encoder writes every journal line of an apply. Types still encode through their own
/// `Codable` conformances; `Value` is written straight from the enum (including its refusal to
/// encode a sensitive value). Tests compare the output with `JSONEncoder`'s byte for byte.
struct StateJSONEncoder {
    var pretty: Bool

    func encode<T: Encodable>(_ value: T) throws -> Data {
        let ctx = EncodingContext()
        let root = try ctx.box(value, codingPath: [])
        var w = JSONTextWriter(pretty: pretty, arena: ctx.arena)
        w.write(root, depth: 0)
        return Data(w.out)
    }
}

/// An encoded value before it is written: objects are sorted when written.
private enum EncodedNode {
    /// A scalar already in its JSON form: bytes `start..<end` of the context's arena (one buffer
    /// for all scalars instead of a string each).
    case raw(Int, Int)
    /// A `Value` written straight from the enum when the output is written (checked for what
    /// cannot be encoded when it was boxed).
    case value(Value)
    case array(ArrayBox)
    case object(ObjectBox)
}

private final class ArrayBox {
    var items: [EncodedNode] = []
}

private final class ObjectBox {
    /// In the order encoded; sorted (and a key encoded twice resolved to its last value) when
    /// written.
    var entries: [(key: String, value: EncodedNode)] = []
}

private struct JSONTextWriter {
    let pretty: Bool
    let arena: [UInt8]
    var out: [UInt8] = []

    init(pretty: Bool, arena: [UInt8]) {
        self.pretty = pretty
        self.arena = arena
        out.reserveCapacity(arena.count * 2 + 1024)
    }

    static let spaces = [UInt8](repeating: 0x20, count: 256)

    mutating func indent(_ depth: Int) {
        var n = depth * 2
        while n > 0 {
            let k = min(n, Self.spaces.count)
            out.append(contentsOf: Self.spaces[0..<k])
            n -= k
        }
    }

    /// Opens an object or array: `{` and, when pretty, a line break.
    mutating func open(_ c: UInt8) {
        out.append(c)
        if pretty { out.append(0x0A) }
    }

    /// Between members: `,` and, when pretty, a line break and the indentation.
    mutating func member(_ i: Int, depth: Int) {
        if i > 0 {
            out.append(UInt8(ascii: ","))
            if pretty { out.append(0x0A) }
        }
        if pretty { indent(depth + 1) }
    }

    mutating func key(_ k: String) {
        JSONEscaping.appendQuoted(k, to: &out)
        if pretty { out.append(contentsOf: " : ".utf8) } else { out.append(UInt8(ascii: ":")) }
    }

    /// Closes an object or array: when pretty, a line break and the indentation, then `c`.
    mutating func close(_ c: UInt8, depth: Int) {
        if pretty {
            out.append(0x0A)
            indent(depth)
        }
        out.append(c)
    }

    /// Writes a `Value` as `boxValue` then `write` would: same layout, sorted keys.
    mutating func writeValue(_ v: Value, depth: Int) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: ((try? JSONEscaping.double(d, codingPath: [])) ?? "null").utf8)
        case .string(let s): JSONEscaping.appendQuoted(s, to: &out)
        case .list(let xs):
            open(UInt8(ascii: "["))
            for (i, x) in xs.enumerated() {
                member(i, depth: depth)
                writeValue(x, depth: depth + 1)
            }
            close(UInt8(ascii: "]"), depth: depth)
        case .map(let m):
            open(UInt8(ascii: "{"))
            for (i, kv) in m.sorted(by: { $0.key < $1.key }).enumerated() {
                member(i, depth: depth)
                key(kv.key)
                writeValue(kv.value, depth: depth + 1)
            }
            close(UInt8(ascii: "}"), depth: depth)
        case .unknown:
            open(UInt8(ascii: "{"))
            member(0, depth: depth)
            key("$unknown")
            out.append(contentsOf: "true".utf8)
            close(UInt8(ascii: "}"), depth: depth)
        case .redacted(let h):
            open(UInt8(ascii: "{"))
            member(0, depth: depth)
            key("$sensitive")
            JSONEscaping.appendQuoted(h, to: &out)
            close(UInt8(ascii: "}"), depth: depth)
        case .sensitive:
            // Refused when boxed; never reached.
            out.append(contentsOf: "null".utf8)
        }
    }

    mutating func write(_ node: EncodedNode, depth: Int) {
        switch node {
        case .raw(let s, let e): out.append(contentsOf: arena[s..<e])
        case .value(let v): writeValue(v, depth: depth)
        case .array(let box):
            out.append(UInt8(ascii: "["))
            if pretty {
                out.append(0x0A)
                for (i, item) in box.items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")); out.append(0x0A) }
                    indent(depth + 1)
                    write(item, depth: depth + 1)
                }
                out.append(0x0A)
                indent(depth)
            } else {
                for (i, item) in box.items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    write(item, depth: depth + 1)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            let entries = box.entries
            let order = entries.indices.sorted { a, b in
                entries[a].key != entries[b].key ? entries[a].key < entries[b].key : a < b
            }
            if pretty { out.append(0x0A) }
            var first = true
            for (n, i) in order.enumerated() {
                // A key encoded twice: the last value wins, as in JSONEncoder.
                if n + 1 < order.count, entries[order[n + 1]].key == entries[i].key { continue }
                if !first { out.append(UInt8(ascii: ",")); if pretty { out.append(0x0A) } }
                first = false
                if pretty { indent(depth + 1) }
                JSONEscaping.appendQuoted(entries[i].key, to: &out)
                if pretty { out.append(contentsOf: " : ".utf8) } else { out.append(UInt8(ascii: ":")) }
                write(entries[i].value, depth: depth + 1)
            }
            if pretty {
                out.append(0x0A)
                indent(depth)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

enum JSONEscaping {
    /// `JSONEncoder`'s escaping without `\/`: quote, backslash, and control characters
    /// (`\b \t \n \f \r`, others as `\u00xx`); everything else as is.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        // Most strings need no escape: copy their bytes at once.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(0x5C); out.append(b)
            case UInt8(ascii: "\\"): out.append(0x5C); out.append(b)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `JSONEncoder`'s number text: `description` without a trailing `.0`.
    static func double(_ d: Double, codingPath: [any CodingKey]) throws -> String {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: codingPath, debugDescription: "Unable to encode Double.\(d) directly in JSON."))
        }
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}

/// `.iso8601` dates as `JSONEncoder` writes them: whole seconds (rounded down), UTC, `Z`.
enum ISO8601Text {
    static func format(_ date: Date) throws -> String {
        let t = date.timeIntervalSince1970
        // Years 1970–9999 by arithmetic; anything else (or a non-finite time) as Foundation does it.
        guard t.isFinite, t >= 0, t < 253_402_300_800 else { return try fallback(date) }
        let secs = Int(t.rounded(.down))
        let days = secs / 86_400
        let rem = secs % 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var v = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(48 + v % 10)
                v /= 10
            }
            out.append(contentsOf: digits)
        }
        put(y, 4); out.append(UInt8(ascii: "-")); put(m, 2); out.append(UInt8(ascii: "-")); put(d, 2)
        out.append(UInt8(ascii: "T"))
        put(rem / 3_600, 2); out.append(UInt8(ascii: ":")); put(rem / 60 % 60, 2); out.append(UInt8(ascii: ":")); put(rem % 60, 2)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    static func fallback(_ date: Date) throws -> String {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        let text = String(decoding: try e.encode([date]), as: UTF8.self)
        return String(text.dropFirst(2).dropLast(2))  // ["…"]
    }
}

/// Owns the scalar arena of one `encode` call.
private final class EncodingContext {
    var arena: [UInt8] = []

    init() { arena.reserveCapacity(1 << 16) }

    func literal(_ s: StaticString) -> EncodedNode {
        let start = arena.count
        arena.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        return .raw(start, arena.count)
    }

    func text(_ s: String) -> EncodedNode {
        let start = arena.count
        arena.append(contentsOf: s.utf8)
        return .raw(start, arena.count)
    }

    func quoted(_ s: String) -> EncodedNode {
        let start = arena.count
        JSONEscaping.appendQuoted(s, to: &arena)
        return .raw(start, arena.count)
    }

    func bool(_ b: Bool) -> EncodedNode { b ? literal("true") : literal("false") }

    func integer<I: BinaryInteger>(_ i: I) -> EncodedNode { text(String(i)) }

    func double(_ d: Double, codingPath: @autoclosure () -> [any CodingKey]) throws -> EncodedNode {
        text(try JSONEscaping.double(d, codingPath: codingPath()))
    }

    /// Encodes one value into a node; `Value`, `Date` and scalars without going through an
    /// encoder. The coding path is built only when needed (an error, or a type with containers
    /// of its own).
    func box<T: Encodable>(_ value: T, codingPath: @autoclosure () -> [any CodingKey]) throws -> EncodedNode {
        if T.self == Value.self { return try checked(value as! Value, codingPath: codingPath()) }
        if T.self == String.self { return quoted(value as! String) }
        if T.self == Int.self { return integer(value as! Int) }
        if T.self == Bool.self { return bool(value as! Bool) }
        if T.self == Date.self { return quoted(try ISO8601Text.format(value as! Date)) }
        if T.self == Double.self { return try double(value as! Double, codingPath: codingPath()) }
        // Collections plans and state are full of, encoded as Array's and Dictionary's own
        // conformances encode them (a string-keyed dictionary is an object), minus the containers.
        if T.self == [String: Value].self { return try checked(.map(value as! [String: Value]), codingPath: codingPath()) }
        if T.self == [Value].self { return try checked(.list(value as! [Value]), codingPath: codingPath()) }
        if T.self == [String].self {
            let box = ArrayBox()
            box.items = (value as! [String]).map(quoted)
            return .array(box)
        }
        let e = _StateEncoder(ctx: self, codingPath: codingPath())
        try value.encode(to: e)
        // A type that encodes nothing is an empty object, as JSONEncoder writes it.
        return e.result ?? .object(ObjectBox())
    }

    /// A `Value` to write as it is, after the checks `Value.encode(to:)` makes: a sensitive value
    /// or a number JSON cannot hold throws, as it did.
    func checked(_ v: Value, codingPath: @autoclosure () -> [any CodingKey]) throws -> EncodedNode {
        func encodable(_ v: Value) -> Bool {
            switch v {
            case .sensitive: return false
            case .double(let d): return d.isFinite
            case .list(let xs): return xs.allSatisfy(encodable)
            case .map(let m): return m.values.allSatisfy(encodable)
            default: return true
            }
        }
        guard encodable(v) else { return try boxValue(v, codingPath: codingPath()) }  // throws the same error as before
        return .value(v)
    }

    /// Mirrors `Value.encode(to:)`.
    func boxValue(_ v: Value, codingPath: @autoclosure () -> [any CodingKey]) throws -> EncodedNode {
        switch v {
        case .null: return literal("null")
        case .bool(let b): return bool(b)
        case .int(let i): return integer(i)
        case .double(let d): return try double(d, codingPath: codingPath())
        case .string(let s): return quoted(s)
        case .list(let xs):
            let box = ArrayBox()
            box.items.reserveCapacity(xs.count)
            for x in xs { box.items.append(try boxValue(x, codingPath: codingPath())) }
            return .array(box)
        case .map(let m):
            let box = ObjectBox()
            box.entries.reserveCapacity(m.count)
            for (k, x) in m { box.entries.append((k, try boxValue(x, codingPath: codingPath()))) }
            return .object(box)
        case .unknown:
            let box = ObjectBox()
            box.entries.append(("$unknown", literal("true")))
            return .object(box)
        case .redacted(let h):
            let box = ObjectBox()
            box.entries.append(("$sensitive", quoted(h)))
            return .object(box)
        case .sensitive:
            throw EncodingError.invalidValue(v, .init(codingPath: codingPath(), debugDescription: "refusing to encode a sensitive value; redact it first"))
        }
    }
}

private final class _StateEncoder: Encoder {
    let ctx: EncodingContext
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// What this encoder produced; nil until a container or value is asked for.
    var result: EncodedNode?

    init(ctx: EncodingContext, codingPath: [any CodingKey]) {
        self.ctx = ctx
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: ObjectBox
        if case .object(let existing)? = result {
            box = existing
        } else {
            box = ObjectBox()
            result = .object(box)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(ctx: ctx, box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: ArrayBox
        if case .array(let existing)? = result {
            box = existing
        } else {
            box = ArrayBox()
            result = .array(box)
        }
        return UnkeyedContainer(ctx: ctx, box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }
}

private struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let ctx: EncodingContext
    let box: ObjectBox
    let codingPath: [any CodingKey]

    func put(_ node: EncodedNode, _ key: Key) { box.entries.append((key.stringValue, node)) }

    mutating func encodeNil(forKey key: Key) throws { put(ctx.literal("null"), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(ctx.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(ctx.quoted(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try ctx.double(value, codingPath: codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(ctx.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(ctx.integer(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try ctx.box(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        put(.object(nested), key)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(ctx: ctx, box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        put(.array(nested), key)
        return UnkeyedContainer(ctx: ctx, box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { SuperEncoder(ctx: ctx, codingPath: codingPath, store: { [box] in box.entries.append(("super", $0)) }) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SuperEncoder(ctx: ctx, codingPath: codingPath + [key], store: { [box] in box.entries.append((key.stringValue, $0)) })
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let ctx: EncodingContext
    let box: ArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.items.count }

    var nextPath: [any CodingKey] { codingPath + [PathKey(intValue: box.items.count)] }

    mutating func encodeNil() throws { box.items.append(ctx.literal("null")) }
    mutating func encode(_ value: Bool) throws { box.items.append(ctx.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(ctx.quoted(value)) }
    mutating func encode(_ value: Double) throws { box.items.append(try ctx.double(value, codingPath: nextPath)) }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: Int8) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: Int16) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: Int32) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: Int64) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: UInt) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: UInt8) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: UInt16) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: UInt32) throws { box.items.append(ctx.integer(value)) }
    mutating func encode(_ value: UInt64) throws { box.items.append(ctx.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try ctx.box(value, codingPath: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = ObjectBox()
        box.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(ctx: ctx, box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = ArrayBox()
        box.items.append(.array(nested))
        return UnkeyedContainer(ctx: ctx, box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let i = box.items.count
        let path = nextPath
        box.items.append(ctx.literal("null"))
        return SuperEncoder(ctx: ctx, codingPath: path, store: { [box] in box.items[i] = $0 })
    }
}

/// An encoder whose result lands in its parent when it is done (for `superEncoder`).
private final class SuperEncoder: Encoder {
    let inner: _StateEncoder
    let store: (EncodedNode) -> Void
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(ctx: EncodingContext, codingPath: [any CodingKey], store: @escaping (EncodedNode) -> Void) {
        inner = _StateEncoder(ctx: ctx, codingPath: codingPath)
        self.store = store
    }

    deinit { store(inner.result ?? .object(ObjectBox())) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: _StateEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var ctx: EncodingContext { encoder.ctx }

    func set(_ node: EncodedNode) { encoder.result = node }

    mutating func encodeNil() throws { set(ctx.literal("null")) }
    mutating func encode(_ value: Bool) throws { set(ctx.bool(value)) }
    mutating func encode(_ value: String) throws { set(ctx.quoted(value)) }
    mutating func encode(_ value: Double) throws { set(try ctx.double(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: Int8) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: Int16) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: Int32) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: Int64) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: UInt) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: UInt8) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: UInt16) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: UInt32) throws { set(ctx.integer(value)) }
    mutating func encode(_ value: UInt64) throws { set(ctx.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws { set(try ctx.box(value, codingPath: codingPath)) }
}
