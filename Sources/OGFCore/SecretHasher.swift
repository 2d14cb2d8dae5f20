import Crypto
import Foundation

/// Salted hashing for secrets: change detection without storing a value.
///
/// The salt is random per state lineage and kept in the state file, so the same secret hashes
/// differently in two environments and a hash cannot be looked up in a precomputed table.
public struct SecretHasher: Sendable {
    public let salt: [UInt8]

    public init(salt: [UInt8]) { self.salt = salt }

    public init(saltHex: String) { self.salt = Hex.decode(saltHex) ?? [] }

    public static func randomSalt() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    public var saltHex: String { Hex.encode(salt) }

    public func hash(_ text: String) -> String {
        let key = SymmetricKey(data: salt)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)
        return "hmac-sha256:" + Hex.encode(Array(mac))
    }
}

/// SHA-256 for content hashes (configuration inputs, plan files).
public enum ContentHash {
    public static func sha256(_ data: some DataProtocol) -> String {
        Hex.encode(Array(SHA256.hash(data: data)))
    }

    public static func sha256(_ text: String) -> String {
        // Hash the string's own bytes when it has them in one piece (it does, natively): no copy
        // into a Data first. Hashed for every resource of every plan (afterDigest).
        var text = text
        return text.withUTF8 { Hex.encode(Array(SHA256.hash(data: UnsafeRawBufferPointer($0)))) }
    }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nib(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        var i = 0
        while i < u.count {
            guard let h = nib(u[i]), let l = nib(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
