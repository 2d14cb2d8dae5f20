import Foundation

/// The protobuf wire format, just what the OTLP trace messages need: varints, fixed64,
/// length-delimited bytes, strings and nested messages. Hand-written instead of depending on
/// swift-protobuf (see docs/records.md: its generated code and plugin cost minutes of every
/// clean CI build for a handful of messages); tests decode the output with the real
/// opentelemetry-proto, so a wrong field number or wire type fails there.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// int32/int64/enum/bool (wire type 0). Zero is the default and is left out, as proto3 does.
    public mutating func uint(_ field: Int, _ v: UInt64) {
        guard v != 0 else { return }
        tag(field, 0)
        varint(v)
    }

    public mutating func int(_ field: Int, _ v: Int64) { uint(field, UInt64(bitPattern: v)) }

    public mutating func bool(_ field: Int, _ v: Bool) { uint(field, v ? 1 : 0) }

    /// fixed64 (wire type 1), little-endian.
    public mutating func fixed64(_ field: Int, _ v: UInt64) {
        guard v != 0 else { return }
        tag(field, 1)
        for i in 0..<8 { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) }
    }

    /// double (wire type 1).
    public mutating func double(_ field: Int, _ v: Double) {
        tag(field, 1)
        let b = v.bitPattern
        for i in 0..<8 { bytes.append(UInt8((b >> (8 * UInt64(i))) & 0xFF)) }
    }

    /// bytes (wire type 2).
    public mutating func data(_ field: Int, _ v: [UInt8]) {
        guard !v.isEmpty else { return }
        tag(field, 2)
        varint(UInt64(v.count))
        bytes += v
    }

    public mutating func string(_ field: Int, _ v: String) { data(field, Array(v.utf8)) }

    /// A string written even when empty (a member of a oneof, whose presence is the value).
    public mutating func stringPresent(_ field: Int, _ v: String) {
        tag(field, 2)
        varint(UInt64(v.utf8.count))
        bytes += Array(v.utf8)
    }

    /// A nested message (wire type 2), written even when empty (presence matters for messages).
    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        tag(field, 2)
        varint(UInt64(inner.bytes.count))
        bytes += inner.bytes
    }
}
