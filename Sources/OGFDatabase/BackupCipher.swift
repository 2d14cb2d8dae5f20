import Crypto
import Foundation

/// Encrypted backups: AES-256-GCM over a stream of chunks, so a dump of any size is encrypted
/// and decrypted in constant memory, and a file that was cut short, reordered or altered fails.
///
/// Format (version 1, all integers big-endian):
///
///     header  "OGFENC01" (8) | chunk size u32 (4) | salt (32) | key check (16)        = 60 bytes
///     chunk   plaintext length u32 (4) | ciphertext (length) | GCM tag (16)          repeated
///
/// - The file key is HKDF-SHA256(BACKUP_KEY, salt, "ogf backup v1"): a fresh random salt per
///   file, so no two files share a key and nonces never repeat across files.
/// - Chunk i's nonce is i (u64) followed by a u32 that is 1 for the last chunk and 0 otherwise;
///   every chunk authenticates the whole header. Swapping chunks changes their nonces, dropping
///   the tail leaves no chunk sealed as last, and bytes after the last chunk are refused.
/// - The key check is HMAC-SHA256(file key, "ogf backup key check")'s first 16 bytes: a wrong
///   key is reported as such before any chunk is read. The key itself is never written anywhere.
public struct BackupCipher: Sendable {
    public static let magic = Array("OGFENC01".utf8)
    static let headerSize = 60
    public static let defaultChunkSize = 1 << 20
    static let info = Data("ogf backup v1".utf8)

    /// The key's bytes (SymmetricKey is not Sendable); memory only.
    let secret: Data
    let chunkSize: Int

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(key: String, chunkSize: Int = BackupCipher.defaultChunkSize) {
        secret = Data(key.utf8)
        self.chunkSize = chunkSize
    }

    /// Whether a file starts with the encrypted-backup magic.
    public static func isEncrypted(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: magic.count)).map { Array($0) == magic } ?? false
    }

    func fileKey(salt: Data) -> (SymmetricKey, Data) {
        let k = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: secret), salt: salt, info: Self.info, outputByteCount: 32)
        let check = Data(HMAC<SHA256>.authenticationCode(for: Data("ogf backup key check".utf8), using: k)).prefix(16)
        return (k, check)
    }

    static func nonce(_ index: UInt64, last: Bool) throws -> AES.GCM.Nonce {
        var b = Data(count: 12)
        for i in 0..<8 { b[i] = UInt8(truncatingIfNeeded: index >> (56 - 8 * UInt64(i))) }
        b[11] = last ? 1 : 0
        return try AES.GCM.Nonce(data: b)
    }

    static func u32(_ v: Int) -> Data { Data([UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]) }
    static func u32(_ d: Data, at i: Int) -> Int {
        let s = d.startIndex + i
        return Int(d[s]) << 24 | Int(d[s + 1]) << 16 | Int(d[s + 2]) << 8 | Int(d[s + 3])
    }

    /// Encrypts `input` into `output` chunk by chunk; returns the plaintext size.
    @discardableResult
    public func encrypt(from input: FileHandle, to output: FileHandle) throws -> Int {
        var salt = Data(count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<32 { salt[i] = UInt8.random(in: 0...255, using: &rng) }
        let (key, check) = fileKey(salt: salt)
        let header = Data(Self.magic) + Self.u32(chunkSize) + salt + check
        try output.write(contentsOf: header)
        var index: UInt64 = 0
        var total = 0
        var current = try Self.readFull(input, chunkSize)
        while true {
            let next = current.count < chunkSize ? Data() : try Self.readFull(input, chunkSize)
            let last = next.isEmpty
            let box = try AES.GCM.seal(current, using: key, nonce: Self.nonce(index, last: last), authenticating: header)
            try output.write(contentsOf: Self.u32(current.count) + box.ciphertext + box.tag)
            total += current.count
            if last { return total }
            current = next
            index += 1
        }
    }

    /// Decrypts `input` chunk by chunk, handing each plaintext chunk to `sink`; returns the size.
    @discardableResult
    public func decrypt(from input: FileHandle, to sink: (Data) throws -> Void) throws -> Int {
        let header = try Self.readFull(input, Self.headerSize)
        guard header.count == Self.headerSize, Array(header.prefix(8)) == Self.magic else {
            throw Failure(description: "not an ogf encrypted backup (no OGFENC01 header)")
        }
        let size = Self.u32(header, at: 8)
        guard size > 0, size <= 64 << 20 else { throw Failure(description: "corrupt header: chunk size \(size)") }
        let (key, check) = fileKey(salt: header.subdata(in: header.startIndex + 12 ..< header.startIndex + 44))
        guard check == header.subdata(in: header.startIndex + 44 ..< header.startIndex + 60) else {
            throw Failure(description: "wrong key: this backup was encrypted with a different key (check the secret given to encrypt_with)")
        }
        var index: UInt64 = 0
        var total = 0
        var pending = try Self.readFull(input, 4)
        while true {
            guard pending.count == 4 else { throw Failure(description: "truncated: the file ends inside chunk \(index)'s length") }
            let n = Self.u32(pending, at: 0)
            guard n <= size else { throw Failure(description: "corrupt: chunk \(index) claims \(n) bytes, more than the chunk size \(size)") }
            let body = try Self.readFull(input, n + 16)
            guard body.count == n + 16 else { throw Failure(description: "truncated: the file ends inside chunk \(index)") }
            pending = try Self.readFull(input, 4)
            let last = pending.isEmpty
            let box = try AES.GCM.SealedBox(nonce: Self.nonce(index, last: last), ciphertext: body.prefix(n), tag: body.suffix(16))
            let plain: Data
            do {
                plain = try AES.GCM.open(box, using: key, authenticating: header)
            } catch {
                throw Failure(description: last
                    ? "chunk \(index) is not the sealed last chunk: the file was truncated, reordered or altered"
                    : "chunk \(index) failed authentication: the file was reordered or altered")
            }
            try sink(plain)
            total += plain.count
            if last { return total }
            index += 1
        }
    }

    /// Reads up to `n` bytes, fewer only at the end of the input.
    static func readFull(_ h: FileHandle, _ n: Int) throws -> Data {
        var out = Data()
        while out.count < n {
            guard let d = try h.read(upToCount: n - out.count), !d.isEmpty else { break }
            out.append(d)
        }
        return out
    }
}
