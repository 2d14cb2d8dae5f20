import Crypto

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Content hashes of files, remembered by (path, size, mtime, inode) so that planning an
/// unchanged 200 MB folder only costs an `lstat` per file. One text file per layer folder under
/// `.ogf-cache/images/files/`: a line per file, `hex size mtime_ns inode path`.
public struct FileHashCache: Sendable {
    struct Stamp: Equatable, Sendable { var size: Int64; var mtime: Int64; var inode: UInt64 }
    var entries: [String: (Stamp, String)] = [:]
    let file: String
    private(set) var dirty = false

    public init(cacheDir: String, root: String) {
        file = cacheDir + "/files/" + String(Digest.of(Data(root.utf8)).hex.prefix(32)) + ".txt"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let size = Int64(parts[1]), let mtime = Int64(parts[2]), let inode = UInt64(parts[3]) else { continue }
            entries[String(parts[4])] = (Stamp(size: size, mtime: mtime, inode: inode), String(parts[0]))
        }
    }

    /// The cached hash when the file is unchanged since it was hashed.
    func cached(_ e: FileEntry) -> String? {
        guard let (stamp, hex) = entries[e.path], stamp == Stamp(size: e.size, mtime: e.mtimeNanos, inode: e.inode) else { return nil }
        return hex
    }

    mutating func record(_ e: FileEntry, hex: String) {
        let stamp = Stamp(size: e.size, mtime: e.mtimeNanos, inode: e.inode)
        if let (old, oldHex) = entries[e.path], old == stamp, oldHex == hex { return }
        entries[e.path] = (stamp, hex)
        dirty = true
    }

    /// Hashes every regular file of `entries` whose stamp is not cached. Files are hashed on all
    /// cores; the result is in the order of `entries` (nil for folders and symlinks).
    mutating func hashes(root: String, entries list: [FileEntry]) throws -> [String?] {
        var result = [String?](repeating: nil, count: list.count)
        var pending: [Int] = []
        for (i, e) in list.enumerated() where e.kind == .file {
            if let h = cached(e) { result[i] = h } else { pending.append(i) }
        }
        let todo = pending
        if !todo.isEmpty {
            let computed = SyncBox([Int: String]())
            let failure = SyncBox<String?>(nil)
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, todo.count))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < todo.count {
                    let idx = todo[i]
                    do {
                        let hex = try Self.hashFile(root + "/" + list[idx].path)
                        computed.withLock { $0[idx] = hex }
                    } catch {
                        failure.withLock { $0 = "\(error)" }
                    }
                    i += workers
                }
            }
            if let f = failure.withLock({ $0 }) { throw ImageError(f) }
            for (idx, hex) in computed.withLock({ $0 }) {
                result[idx] = hex
                record(list[idx], hex: hex)
            }
        }
        return result
    }

    static func hashFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf.baseAddress, buf.count)
            if n < 0 { throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buf[0..<n]))
        }
        return hasher.finalize().hex
    }

    /// Writes the cache back when something was hashed (atomically: rename over the old file).
    public func save() {
        guard dirty else { return }
        var text = ""
        for k in entries.keys.sorted() {
            let (s, hex) = entries[k]!
            text += "\(hex) \(s.size) \(s.mtime) \(s.inode) \(k)\n"
        }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let tmp = file + ".tmp-\(getpid())"
        if (try? text.write(toFile: tmp, atomically: false, encoding: .utf8)) != nil { rename(tmp, file) }
    }
}
