import Crypto
import Foundation

/// A content digest in the OCI form `sha256:<64 hex>`.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public var value: String

    public init?(_ text: String) {
        guard text.hasPrefix("sha256:"), text.count == 71,
              text.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        value = text
    }

    init(hex: String) { value = "sha256:" + hex }

    public static func of(_ data: Data) -> Digest { Digest(hex: SHA256.hash(data: data).hex) }

    public var hex: String { String(value.dropFirst(7)) }
    /// `sha256:1234abcd5678`, for plan lines.
    public var short: String { String(value.prefix(19)) }
    public var description: String { value }
    public static func < (a: Digest, b: Digest) -> Bool { a.value < b.value }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = Digest(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a sha256 digest: \(s)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

extension SHA256.Digest {
    /// Lower-case hex in one pass over the bytes: a cold build formats one per file (40,000 in the
    /// image benchmark), where a small string per byte showed in profiles.
    var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                for (i, b) in raw.enumerated() {
                    out[2 * i] = digits[Int(b >> 4)]
                    out[2 * i + 1] = digits[Int(b & 0x0f)]
                }
                return raw.count * 2
            }
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Hashes a stream and counts its bytes.
struct CountingHasher {
    var hasher = SHA256()
    var count: Int64 = 0

    mutating func update(_ p: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: p)
        count += Int64(p.count)
    }

    func finalize() -> Digest { Digest(hex: hasher.finalize().hex) }
}
