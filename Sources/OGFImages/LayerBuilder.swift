import CArchive
import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One layer source: a local folder placed at `to` in the image.
public struct LayerSource: Sendable, Equatable {
    /// Absolute path of the folder.
    public var from: String
    /// Absolute path in the image, e.g. `/app`.
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// `app/` for `/app`; empty for `/`.
    var prefix: String {
        let t = to.split(separator: "/").joined(separator: "/")
        return t.isEmpty ? "" : t + "/"
    }
}

/// A built layer: the compressed blob's digest and size, and the digest of the uncompressed tar
/// (the config's `diff_id`).
public struct BuiltLayer: Sendable, Codable, Equatable {
    public var digest: Digest
    public var size: Int64
    public var diffID: Digest

    enum CodingKeys: String, CodingKey { case digest, size, diffID = "diff_id" }
}

/// Writes a reproducible layer: entries sorted by path, owner 0:0 with no names, modes 0755 for
/// folders and executables and 0644 for other files, every timestamp `sourceDateEpoch`, PAX
/// headers only when a name needs them; tar through libarchive, then gzip through zlib in
/// parallel blocks (`ParallelGzip`) or zstd through libzstd (`ZstdCompressor`), on threads of
/// their own. The same folder contents give the same bytes on any machine with the same library
/// versions, whatever its number of cores.
public struct LayerBuilder: Sendable {
    public var sourceDateEpoch: Int
    public var compressionLevel: Int
    public var compression: LayerCompression
    /// Compression threads; nil: one per core this process may use. Never part of the bytes.
    public var workers: Int?

    public init(sourceDateEpoch: Int = 0, compressionLevel: Int = 6, compression: LayerCompression = .gzip, workers: Int? = nil) {
        self.sourceDateEpoch = sourceDateEpoch
        self.compressionLevel = compressionLevel
        self.compression = compression
        self.workers = workers
    }

    /// Builds the layer of `source` (already listed as `entries`) into `output`, and returns its
    /// digests. A file whose contents the fingerprint kept (`contents`, by index in `entries`)
    /// is written from memory after an `lstat` shows the size, mtime and inode it was read
    /// with (else the build fails: it changed since it was planned); any other file is read
    /// and `fileHashes` receives its index, entry and content hash.
    func build(_ source: LayerSource, entries: [FileEntry], output: String, contents: RetainedContents? = nil,
               fileHashes: (Int, FileEntry, String) -> Void = { _, _, _ in }) throws -> BuiltLayer {
        let sink = try StreamSink(path: output, compression: compression, level: compressionLevel, workers: workers ?? availableCores())
        defer { sink.close() }
        let ctx = Unmanaged.passRetained(sink)
        defer { ctx.release() }
        guard let a = archive_write_new() else { throw ImageError("libarchive: cannot allocate a writer") }
        defer { archive_write_free(a) }
        archive_write_set_format_pax_restricted(a)
        // Unblocked: libarchive hands each header and each file's bytes straight to the sink
        // (no copy into its 10 KiB blocks); the sink pads the end as the blocking did.
        archive_write_set_bytes_per_block(a, 0)
        let rc = archive_write_open(a, ctx.toOpaque(), nil, { _, ud, buf, len in
            let s = Unmanaged<StreamSink>.fromOpaque(ud!).takeUnretainedValue()
            do { try s.write(UnsafeRawBufferPointer(start: buf, count: len)) } catch { s.error = error; return -1 }
            return len
        }, nil)
        guard rc == ARCHIVE_OK else { throw ImageError("libarchive: \(Self.message(a))") }

        guard let entry = archive_entry_new() else { throw ImageError("libarchive: cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        // Parents of the destination, so that unpacking does not invent their modes.
        var parent = ""
        for comp in source.prefix.split(separator: "/") {
            parent += comp + "/"
            try writeHeader(a, entry, path: parent, kind: .directory, mode: 0o755, size: 0, link: nil)
        }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        for (k, e) in entries.enumerated() {
            let path = source.prefix + e.path + (e.kind == .directory ? "/" : "")
            switch e.kind {
            case .directory:
                try writeHeader(a, entry, path: path, kind: .directory, mode: 0o755, size: 0, link: nil)
            case .symlink:
                try writeHeader(a, entry, path: path, kind: .symlink, mode: 0o777, size: 0, link: e.linkTarget ?? "")
            case .file:
                let mode: UInt32 = (e.mode & 0o111) != 0 ? 0o755 : 0o644
                try writeHeader(a, entry, path: path, kind: .file, mode: mode, size: e.size, link: nil)
                let full = source.from + "/" + e.path
                if let kept = contents?.bytes(k) {
                    var st = stat()
                    guard lstat(full, &st) == 0, FileHashCache.stamp(st) == FileHashCache.stamp(e) else {
                        throw ImageError("\(full) changed while the image was being built; plan again")
                    }
                    if kept.count > 0, archive_write_data(a, kept.baseAddress, kept.count) < 0 {
                        throw sink.error ?? ImageError("libarchive: \(Self.message(a))")
                    }
                    continue
                }
                let fd = open(full, O_RDONLY)
                guard fd >= 0 else { throw ImageError("cannot read \(full): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                var hasher = CountingHasher()
                while true {
                    let n = read(fd, buf.baseAddress, buf.count)
                    if n < 0 { throw ImageError("cannot read \(full): \(String(cString: strerror(errno)))") }
                    if n == 0 { break }
                    let chunk = UnsafeRawBufferPointer(rebasing: buf[0..<n])
                    hasher.update(chunk)
                    if archive_write_data(a, chunk.baseAddress, n) < 0 {
                        throw sink.error ?? ImageError("libarchive: \(Self.message(a))")
                    }
                }
                guard hasher.count == e.size else {
                    throw ImageError("\(full) changed size while the layer was being written; build again")
                }
                fileHashes(k, e, hasher.finalize().hex)
            }
        }
        guard archive_write_close(a) == ARCHIVE_OK else { throw sink.error ?? ImageError("libarchive: \(Self.message(a))") }
        try sink.padToBlock()
        return try sink.finish()
    }

    private func writeHeader(_ a: OpaquePointer, _ entry: OpaquePointer, path: String, kind: FileEntry.Kind, mode: UInt32,
                             size: Int64, link: String?) throws {
        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, path)
        switch kind {
        case .directory: archive_entry_set_filetype(entry, 0o040000)
        case .file: archive_entry_set_filetype(entry, 0o100000)
        case .symlink: archive_entry_set_filetype(entry, 0o120000); archive_entry_set_symlink(entry, link)
        }
        archive_entry_set_perm(entry, mode_t(mode))
        archive_entry_set_size(entry, size)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, time_t(sourceDateEpoch), 0)
        guard archive_write_header(a, entry) == ARCHIVE_OK else { throw ImageError("libarchive: \(Self.message(a)) (\(path))") }
    }

    static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
    }
}

/// Receives the tar stream and passes it, in 1 MiB pieces, to a thread of its own that hashes
/// it (diff_id), compresses it, and hashes and writes the compressed blob, all in one pass. The
/// building thread meanwhile reads and hashes the next files and writes their tar headers: the
/// two overlap, besides the compressor's own workers.
final class StreamSink: @unchecked Sendable {
    /// A multiple of `ParallelGzip.blockSize`: pieces start on block boundaries, so the
    /// compressor takes whole blocks out of them without copying.
    static let pieceSize = 1 << 20
    /// libarchive's default block: layers were always written in blocks of this size, the last
    /// one padded with zeros. Writing unblocked, the sink adds the same padding at the end.
    static let tarBlock = 10240
    private var written = 0
    private var tar = CountingHasher()
    private var gz = CountingHasher()
    private let out: UnsafeMutablePointer<FILE>
    private var compressor: StreamCompressor!
    /// The first error of the writing side (or of libarchive's callback), reported by `write`/`finish`.
    var error: Error? {
        get { cond.lock(); defer { cond.unlock() }; return failure }
        set { cond.lock(); if failure == nil { failure = newValue }; cond.unlock() }
    }
    private var failure: Error?
    private var pending: [UInt8] = []
    private let cond = NSCondition()
    private var queue: [[UInt8]] = []
    private var closed = false
    private var exited = false
    private var finished = false
    private var fileClosed = false
    private var result: BuiltLayer?

    init(path: String, compression: LayerCompression, level: Int, workers: Int) throws {
        guard let f = fopen(path, "wb") else { throw ImageError("cannot write \(path): \(String(cString: strerror(errno)))") }
        out = f
        let emit: (UnsafeRawBufferPointer) throws -> Void = { [unowned self] p in
            gz.update(p)
            guard fwrite(p.baseAddress, 1, p.count, out) == p.count else {
                throw ImageError("cannot write the layer: \(String(cString: strerror(errno)))")
            }
        }
        do {
            switch compression {
            case .gzip: compressor = ParallelGzip(level: level, workers: workers, emit: emit)
            case .zstd: compressor = try ZstdCompressor(level: level, workers: workers, emit: emit)
            }
        } catch { fclose(f); throw error }
        pending.reserveCapacity(Self.pieceSize)
        let t = Thread { [self] in feed() }
        t.name = "ogf-layer-sink"
        t.start()
    }

    func write(_ p: UnsafeRawBufferPointer) throws {
        var rest = p.bindMemory(to: UInt8.self)[...]
        written += rest.count
        // Cut exactly at piece boundaries (see `pieceSize`).
        while !rest.isEmpty {
            let n = min(Self.pieceSize - pending.count, rest.count)
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: rest.prefix(n)))
            rest = rest.dropFirst(n)
            if pending.count == Self.pieceSize { try handOff() }
        }
    }

    /// Zeros up to the next multiple of `tarBlock`, as libarchive's blocked output ended.
    func padToBlock() throws {
        let pad = (Self.tarBlock - written % Self.tarBlock) % Self.tarBlock
        if pad > 0 { try [UInt8](repeating: 0, count: pad).withUnsafeBytes { try write($0) } }
    }

    private func handOff() throws {
        let piece = pending
        pending = []
        pending.reserveCapacity(Self.pieceSize)
        cond.lock()
        defer { cond.unlock() }
        // 8 MiB ahead: the compressors keep working while this thread is descheduled.
        while queue.count >= 8, failure == nil { cond.wait() }
        if let failure { throw failure }
        queue.append(piece)
        cond.broadcast()
    }

    /// The writing side: runs until `close`, then finishes the compressor unless something failed.
    private func feed() {
        while true {
            cond.lock()
            while queue.isEmpty, !closed { cond.wait() }
            if queue.isEmpty { cond.unlock(); break }
            let piece = queue.removeFirst()
            let failed = failure != nil
            cond.broadcast()
            cond.unlock()
            if failed { continue }
            do {
                piece.withUnsafeBytes { tar.update($0) }
                try compressor.write(owned: piece)
            } catch { self.error = error }
        }
        var built: BuiltLayer?
        if error == nil, finished {
            do {
                try compressor.finish()
                built = BuiltLayer(digest: gz.finalize(), size: gz.count, diffID: tar.finalize())
            } catch { self.error = error }
        }
        compressor = nil
        cond.lock()
        result = built
        exited = true
        cond.broadcast()
        cond.unlock()
    }

    /// Stops the writing side and waits for it; closes the file. Idempotent.
    func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        while !exited { cond.wait() }
        let open = !fileClosed
        fileClosed = true
        cond.unlock()
        if open { fclose(out) }
    }

    func finish() throws -> BuiltLayer {
        if !pending.isEmpty { try handOff() }
        finished = true
        cond.lock()
        closed = true
        cond.broadcast()
        while !exited { cond.wait() }
        let built = result
        fileClosed = true
        cond.unlock()
        let rc = fclose(out)
        if let error { throw error }
        guard rc == 0, let built else { throw ImageError("cannot write the layer: \(String(cString: strerror(errno)))") }
        return built
    }
}
