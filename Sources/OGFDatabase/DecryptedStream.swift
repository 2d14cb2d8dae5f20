import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// Hands an encrypted backup's plaintext to a tool (pg_restore) through a named pipe in a private
/// folder, so the decrypted archive is never written to disk: a thread decrypts chunk by chunk
/// into the pipe while the tool reads it.
enum DecryptedStream {
    /// Runs `body` with the path of a FIFO carrying the decrypted archive. A decryption failure
    /// (wrong key, truncated or altered file) wins over the tool's own error, being the cause.
    static func with<T: Sendable>(_ file: String, cipher: BackupCipher, _ body: (String) async throws -> T) async throws -> T {
        var template = Array((NSTemporaryDirectory() + "/ogf-restore-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw PostgresTools.ToolError(description: "cannot create a private temporary folder") }
        let dir = String(cString: p)
        chmod(dir, 0o700)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/archive"
        guard mkfifo(fifo, 0o600) == 0 else { throw PostgresTools.ToolError(description: "mkfifo: \(String(cString: strerror(errno)))") }
        guard let input = FileHandle(forReadingAtPath: file) else { throw PostgresTools.ToolError(description: "cannot read \(file)") }
        defer { try? input.close() }

        let done = Locked(false)
        async let writer: String? = write(input, cipher: cipher, to: fifo, until: done)
        let result: Result<T, any Error>
        do { result = .success(try await body(fifo)) } catch { result = .failure(error) }
        done.withLock { $0 = true }
        if let failure = await writer { throw PostgresTools.ToolError(description: failure) }
        return try result.get()
    }

    /// Decrypts into the FIFO on a thread of its own (opening a FIFO and writing to it block).
    /// Returns the decryption failure, if any.
    static func write(_ input: FileHandle, cipher: BackupCipher, to fifo: String, until done: Locked<Bool>) async -> String? {
        await withCheckedContinuation { (cont: CheckedContinuation<String?, Never>) in
            let thread = Thread {
                // A reader that quits early must give EPIPE here, not kill ogf with SIGPIPE.
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &set, nil)
                var fd: Int32 = -1
                // Non-blocking open fails with ENXIO until the reader opens its end; stop waiting
                // when the reader's process is over.
                while fd < 0 {
                    fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                    if fd >= 0 { break }
                    if errno != ENXIO || done.value { cont.resume(returning: nil); return }
                    usleep(2000)
                }
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                struct ReaderGone: Error {}
                var failure: String?
                do {
                    try cipher.decrypt(from: input) { chunk in
                        try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                            var off = 0
                            while off < raw.count {
                                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                                if n < 0 && errno == EINTR { continue }
                                if n <= 0 { throw ReaderGone() }
                                off += n
                            }
                        }
                    }
                } catch let e as BackupCipher.Failure {
                    failure = e.description
                } catch {
                    // The reader stopped early: its own exit status says why.
                }
                close(fd)
                cont.resume(returning: failure)
            }
            thread.start()
        }
    }
}
