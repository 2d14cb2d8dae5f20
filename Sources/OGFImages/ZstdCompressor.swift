import CZstd
import Foundation

/// zstd through libzstd in its multi-threaded mode (libzstd's own worker threads), with the
/// job size set explicitly: libzstd cuts jobs at that size, so its output is the same for any
/// worker count ≥ 1. (Worker count 0, the single-threaded mode, gives other bytes: never used.)
/// A content checksum is written, as the `zstd` tool does.
final class ZstdCompressor: StreamCompressor {
    /// Fixed: part of what decides the bytes.
    static let jobSize: Int32 = 4 << 20

    private let cctx: OpaquePointer
    private let emit: (UnsafeRawBufferPointer) throws -> Void
    private let outCap = ZSTD_CStreamOutSize()
    private let outBuf: UnsafeMutableRawPointer

    init(level: Int, workers: Int, emit: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let c = ZSTD_createCCtx() else { throw ImageError("zstd: cannot allocate a compressor") }
        cctx = c
        self.emit = emit
        outBuf = UnsafeMutableRawPointer.allocate(byteCount: outCap, alignment: 16)
        for (p, v, what) in [(ZSTD_c_compressionLevel, Int32(level), "level \(level)"), (ZSTD_c_checksumFlag, 1, "checksum"),
                             (ZSTD_c_nbWorkers, Int32(max(1, workers)), "workers (libzstd without multithreading?)"),
                             (ZSTD_c_jobSize, Self.jobSize, "job size")] {
            let rc = ZSTD_CCtx_setParameter(c, p, v)
            if ogf_zstd_failed(rc) != 0 { throw ImageError("zstd: cannot set \(what): \(String(cString: ZSTD_getErrorName(rc)))") }
        }
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        outBuf.deallocate()
    }

    func write(_ p: UnsafeRawBufferPointer) throws {
        guard p.count > 0 else { return }
        var input = ZSTD_inBuffer(src: p.baseAddress, size: p.count, pos: 0)
        while input.pos < input.size { _ = try step(&input, ZSTD_e_continue) }
    }

    func finish() throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
    }

    /// One call of ZSTD_compressStream2; emits what it wrote; returns what it has left to flush.
    private func step(_ input: inout ZSTD_inBuffer, _ op: ZSTD_EndDirective) throws -> Int {
        var out = ZSTD_outBuffer(dst: outBuf, size: outCap, pos: 0)
        let rc = ZSTD_compressStream2(cctx, &out, &input, op)
        if ogf_zstd_failed(rc) != 0 { throw ImageError("zstd: \(String(cString: ZSTD_getErrorName(rc)))") }
        if out.pos > 0 { try emit(UnsafeRawBufferPointer(start: outBuf, count: out.pos)) }
        return rc
    }
}
