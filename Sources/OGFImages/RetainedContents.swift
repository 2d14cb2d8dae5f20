import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// File contents that the fingerprint read (to hash them) kept in memory for the layer build, so
/// that a cold build opens, reads and hashes each file once instead of twice. Kept by index in
/// the layer's listing, packed into large anonymous mappings (huge pages where the kernel gives
/// them: tens of faults instead of one per 4 KiB page). Bounded twice: by the limit given (per
/// layer) and by `processLimit` over every fingerprint alive in the process, so images
/// planned side by side do not multiply the memory. A file that does not fit is read again by
/// the build, which then compares its hash, as before.
final class RetainedContents: @unchecked Sendable {
    /// Bytes of file contents the whole process keeps at most: an eighth of the memory, at most
    /// 512 MiB (a web image's `node_modules` is typically 200–500 MB).
    static let processLimit: Int = {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        return max(0, min(512 << 20, physical / 8))
    }()
    private static let processUsed = Locked(0)
    static let slabSize = 32 << 20

    private let limit: Int
    private let lock = NSLock()
    private var used = 0
    private var mappings: [(UnsafeMutableRawPointer, Int)] = []
    private var spans: [Int: UnsafeRawBufferPointer] = [:]
    private var released = false

    init(limit: Int) { self.limit = limit }

    deinit { release() }

    /// The kept contents of entry `index`, valid until `release`.
    func bytes(_ index: Int) -> UnsafeRawBufferPointer? {
        lock.lock(); defer { lock.unlock() }
        return spans[index]
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return spans.count }

    /// Frees every mapping and gives the bytes back to the process budget. Idempotent.
    func release() {
        lock.lock()
        let maps = mappings, n = used
        mappings = []
        spans = [:]
        used = 0
        released = true
        lock.unlock()
        for (p, size) in maps { munmap(p, size) }
        if n > 0 { Self.processUsed.withLock { $0 -= n } }
    }

    /// Room for `size` bytes within both limits, or nil.
    private func reserve(_ size: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !released, used + size <= limit else { return false }
        let ok = Self.processUsed.withLock { total -> Bool in
            guard total + size <= Self.processLimit else { return false }
            total += size
            return true
        }
        if ok { used += size }
        return ok
    }

    private func map(_ size: Int) -> UnsafeMutableRawPointer? {
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        _ = madvise(p, size, MADV_HUGEPAGE)
        lock.lock()
        mappings.append((p, size))
        lock.unlock()
        return p
    }

    private func keep(_ index: Int, _ span: UnsafeRawBufferPointer) {
        lock.lock()
        spans[index] = span
        lock.unlock()
    }

    /// Packs files into a mapping of its own; one per thread.
    struct Writer {
        let store: RetainedContents
        private var next: UnsafeMutableRawPointer?
        private var room = 0

        init(_ store: RetainedContents) { self.store = store }

        /// Reads the open file `fd` of `entry` into memory kept for entry `index` and returns
        /// those bytes; nil when they do not fit the budget or the file is no longer what the
        /// listing saw (another size, mtime or inode after the read): the caller then reads and
        /// hashes it the usual way, and the build checks it again.
        mutating func read(_ fd: Int32, entry: FileEntry, index: Int) throws -> UnsafeRawBufferPointer? {
            let size = Int(entry.size)
            guard store.reserve(size) else { return nil }
            if size > room || next == nil {
                let mapSize = max(RetainedContents.slabSize, (size + 4095) & ~4095)
                guard let p = store.map(mapSize) else { return nil }
                next = p
                room = mapSize
            }
            let base = next!
            var got = 0
            while got < size {
                let n = Glibc.read(fd, base + got, size - got)
                if n < 0 { throw ImageError(String(cString: strerror(errno))) }
                if n == 0 { return nil }
                got += n
            }
            // No read to see the end: fstat's size (and mtime) after the read says the same.
            var st = stat()
            guard fstat(fd, &st) == 0, FileHashCache.stamp(st) == FileHashCache.stamp(entry) else { return nil }
            next = base + size
            room -= size
            let span = UnsafeRawBufferPointer(start: base, count: size)
            store.keep(index, span)
            return span
        }
    }
}
