import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// Hands an encrypted backup's plaintext to pg_restore. The plaintext is decrypted chunk by chunk
/// into a private file (0600, in a 0700 folder created next to the backup) that lives only while
/// pg_restore reads it.
///
/// Why not a named pipe, which would keep the plaintext off the disk: pg_restore opens its input
/// once to discover the archive format and then opens it again to read it, and a pipe cannot be
/// read twice (reading from stdin avoids the reopen, but the process runner gives tools no stdin).
enum DecryptedStream {
    /// Runs `body` with the path of the decrypted archive; a decryption failure (wrong key,
    /// truncated or altered file) stops before `body` runs.
    static func with<T: Sendable>(_ file: String, cipher: BackupCipher, _ body: (String) async throws -> T) async throws -> T {
        let parent = (file as NSString).deletingLastPathComponent
        var template = Array(((parent.isEmpty ? "." : parent) + "/.ogf-decrypt-XXXXXX").utf8CString)
        var p = mkdtemp(&template)
        if p == nil {
            template = Array((NSTemporaryDirectory() + "/ogf-decrypt-XXXXXX").utf8CString)
            p = mkdtemp(&template)
        }
        guard let p else { throw PostgresTools.ToolError(description: "cannot create a private temporary folder to decrypt \(file)") }
        let dir = String(cString: p)
        chmod(dir, 0o700)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = dir + "/archive.dump"
        do {
            try decrypt(file, cipher: cipher, to: plain)
        } catch let e as BackupCipher.Failure {
            throw PostgresTools.ToolError(description: e.description)
        }
        return try await body(plain)
    }

    static func decrypt(_ file: String, cipher: BackupCipher, to path: String) throws {
        guard let input = FileHandle(forReadingAtPath: file) else { throw PostgresTools.ToolError(description: "cannot read \(file)") }
        defer { try? input.close() }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PostgresTools.ToolError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        let out = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? out.close() }
        try cipher.decrypt(from: input) { try out.write(contentsOf: $0) }
    }
}
