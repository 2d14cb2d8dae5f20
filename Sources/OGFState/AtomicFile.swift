import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Durable file replacement: write a temporary file, fsync it, keep the old version as a backup
/// (a hard link, so the old inode survives), rename into place, fsync the folder. A crash at any
/// point leaves either the old or the new file, never a torn one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, backup: String? = nil) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true)
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.io("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        try data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = String(cString: strerror(errno))
                    close(fd)
                    throw StateError.io("cannot write \(tmp): \(e)")
                }
                off += n
            }
        }
        guard fsync(fd) == 0 else {
            let e = String(cString: strerror(errno)); close(fd)
            throw StateError.io("cannot sync \(tmp): \(e)")
        }
        close(fd)
        if let backup, access(path, F_OK) == 0 {
            unlink(backup)
            if link(path, backup) != 0 {
                // A file system without hard links: fall back to a copy. Without a backup the
                // previous state would be gone after the rename, so a failed copy stops here.
                do { try FileManager.default.copyItem(atPath: path, toPath: backup) } catch {
                    throw StateError.io("cannot keep a backup of \(path) at \(backup): \(error.localizedDescription)")
                }
            }
        }
        guard rename(tmp, path) == 0 else { throw StateError.io("cannot replace \(path): \(String(cString: strerror(errno)))") }
        ok = true
        syncDirectory(dir.isEmpty ? "." : dir)
    }

    public static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
