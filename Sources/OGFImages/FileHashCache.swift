import Crypto
import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// Content hashes of a layer folder's files, remembered by (path, size, mtime, inode) so that
/// planning an unchanged 200 MB folder only costs an `lstat` per file. One text file per folder
/// under `.ogf-cache/images/files/`: a first line `layer <hash of the listing>`, then a line per
/// entry in listing order, `hex size mtime_ns inode path` (`-` for folders and symlinks). When
/// every entry matches in order, the listing's hash is taken from the first line as it is.
public struct FileHashCache: Sendable {
    struct Stamp: Equatable, Sendable { var size: Int64; var mtime: Int64; var inode: UInt64 }
    struct Line: Sendable { var path: String; var stamp: Stamp; var hex: String }

    private(set) var lines: [Line] = []
    private var index: [String: Int]?
    /// The hash of the listing `lines` describe, as last computed.
    private(set) var layerHash: String?
    let file: String
    private var dirty = false

    public init(cacheDir: String, root: String) {
        file = cacheDir + "/files/" + String(Digest.of(Data(root.utf8)).hex.prefix(32)) + ".txt"
        guard let data = FileManager.default.contents(atPath: file) else { return }
        // Parsed as bytes: String splitting costs tens of milliseconds on 20,000 lines.
        var parsed: [Line] = []
        var header: String?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = b.count
            parsed.reserveCapacity(n / 90)
            func field() -> Range<Int> {
                let start = i
                while i < n, b[i] != 32, b[i] != 10 { i += 1 }
                return start..<i
            }
            func number(_ r: Range<Int>) -> Int64? {
                guard !r.isEmpty else { return nil }
                var v: Int64 = 0
                for k in r { let d = b[k] &- 48; guard d < 10 else { return nil }; v = v &* 10 &+ Int64(d) }
                return v
            }
            func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
            let first = field()
            if text(first) == "layer" { i += 1; header = text(field()) }
            while i < n, b[i] != 10 { i += 1 }
            i += 1
            while i < n {
                let hex = field(); i += 1
                let size = field(); i += 1
                let mtime = field(); i += 1
                let inode = field(); i += 1
                let pathStart = i
                while i < n, b[i] != 10 { i += 1 }
                let path = pathStart..<i
                i += 1
                guard let sz = number(size), let mt = number(mtime), let ino = number(inode), !path.isEmpty else { continue }
                parsed.append(Line(path: text(path), stamp: Stamp(size: sz, mtime: mt, inode: UInt64(ino)), hex: text(hex)))
            }
        }
        lines = parsed
        layerHash = header
    }

    static func stamp(_ e: FileEntry) -> Stamp { Stamp(size: e.size, mtime: e.mtimeNanos, inode: e.inode) }

    /// True when `entries` are exactly the cached ones, in order, with the same stamps.
    func matchesExactly(_ entries: [FileEntry]) -> Bool {
        guard layerHash != nil, entries.count == lines.count else { return false }
        for (e, l) in zip(entries, lines) where l.path != e.path || (e.kind != .directory && l.stamp != Self.stamp(e)) {
            return false
        }
        return true
    }

    private mutating func lookup(_ e: FileEntry, at i: Int) -> String? {
        if i < lines.count, lines[i].path == e.path {
            return lines[i].stamp == Self.stamp(e) && lines[i].hex != "-" ? lines[i].hex : nil
        }
        if index == nil { index = Dictionary(lines.enumerated().map { ($1.path, $0) }) { a, _ in a } }
        guard let j = index?[e.path], lines[j].stamp == Self.stamp(e), lines[j].hex != "-" else { return nil }
        return lines[j].hex
    }

    /// What `lstat`/`fstat` says now, in the form the listing recorded.
    static func stamp(_ st: stat) -> Stamp {
        Stamp(size: Int64(st.st_size), mtime: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino))
    }

    /// Hashes every regular file of `entries` whose stamp is not cached, on all cores; returns
    /// the hashes in the order of `entries` (nil for folders and symlinks) and remembers them.
    /// With `keep`, the bytes read are kept there (within its budget) for the layer build.
    mutating func hashes(root: String, entries list: [FileEntry], keep: RetainedContents? = nil) throws -> [String?] {
        var result = [String?](repeating: nil, count: list.count)
        var pending: [Int] = []
        for (i, e) in list.enumerated() where e.kind == .file {
            if let h = lookup(e, at: i) { result[i] = h } else { pending.append(i) }
        }
        let todo = pending
        if !todo.isEmpty {
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, todo.count))
            // Each worker collects its own results; merged once at the end.
            let parts = Locked([Result<[(Int, String)], any Error>](repeating: .success([]), count: workers))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var mine: [(Int, String)] = []
                mine.reserveCapacity(todo.count / workers + 1)
                var writer = keep.map(RetainedContents.Writer.init)
                let r = Result { () throws -> [(Int, String)] in
                    var i = w
                    while i < todo.count {
                        let idx = todo[i]
                        mine.append((idx, try Self.hashFile(root + "/" + list[idx].path, entry: list[idx], index: idx, keep: &writer)))
                        i += workers
                    }
                    return mine
                }
                parts.withLock { $0[w] = r }
            }
            for part in parts.withLock({ $0 }) {
                for (idx, hex) in try part.get() { result[idx] = hex }
            }
        }
        return result
    }

    /// Remembers a listing, its hashes and the listing's hash (written by `save`).
    mutating func remember(_ list: [FileEntry], hashes: [String?], layerHash: String) {
        if matchesExactly(list), self.layerHash == layerHash { return }
        lines = zip(list, hashes).map { Line(path: $0.path, stamp: Self.stamp($0), hex: $1 ?? "-") }
        index = nil
        self.layerHash = layerHash
        dirty = true
    }

    /// The SHA-256 of a file's contents; with a `keep` writer, read into memory kept for the
    /// build when it fits, else through a buffer.
    static func hashFile(_ path: String, entry: FileEntry, index: Int, keep: inout RetainedContents.Writer?) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        do {
            if keep != nil, let kept = try keep!.read(fd, entry: entry, index: index) {
                var hasher = SHA256()
                hasher.update(bufferPointer: kept)
                return hasher.finalize().hex
            }
        } catch { throw ImageError("cannot read \(path): \(error)") }
        // Not kept (over the budget, or the file changed while read): from the start again.
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))") }
        var hasher = SHA256()
        try withUnsafeTemporaryAllocation(byteCount: 64 << 10, alignment: 16) { buf in
            while true {
                let n = read(fd, buf.baseAddress, buf.count)
                if n < 0 { throw ImageError("cannot read \(path): \(String(cString: strerror(errno)))") }
                if n == 0 { break }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            }
        }
        return hasher.finalize().hex
    }

    /// Writes the cache back when it changed (atomically: rename over the old file).
    public func save() {
        guard dirty else { return }
        // Bytes, not string interpolation: 20,000 lines on a cold build's single-threaded stretch.
        var text: [UInt8] = Array("layer \(layerHash ?? "-")\n".utf8)
        text.reserveCapacity(lines.count * 100 + 100)
        for l in lines {
            text.append(contentsOf: l.hex.utf8)
            text.append(32)
            ImageBuilder.appendDecimal(&text, l.stamp.size)
            text.append(32)
            ImageBuilder.appendDecimal(&text, l.stamp.mtime)
            text.append(32)
            ImageBuilder.appendDecimal(&text, l.stamp.inode)
            text.append(32)
            text.append(contentsOf: l.path.utf8)
            text.append(10)
        }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let tmp = file + ".tmp-\(getpid())"
        if (try? Data(text).write(to: URL(fileURLWithPath: tmp))) != nil { rename(tmp, file) }
    }
}
