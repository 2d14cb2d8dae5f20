import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import Testing

/// Parallel gzip and zstd layers: bytes that depend on the input and the settings only, never
/// on the number of worker threads, and streams that standard readers accept.
@Suite(.tags(.small))
struct LayerCompressionTests {
    /// Deterministic pseudo-random bytes (xorshift), half compressible text.
    static func bytes(_ n: Int, seed: UInt64) -> [UInt8] {
        var x = seed | 1
        var out = [UInt8]()
        out.reserveCapacity(n)
        let text = Array("the quick brown fox jumps over the lazy dog; ".utf8)
        while out.count < n {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            if x % 2 == 0 {
                for _ in 0..<64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; out.append(UInt8(truncatingIfNeeded: x)) }
            } else {
                out.append(contentsOf: text.prefix(Int(x % UInt64(text.count)) + 1))
            }
        }
        return Array(out.prefix(n))
    }

    /// With `owned`, every other piece goes in as an array the compressor may keep (as the
    /// layer's sink hands them over), the rest through a pointer.
    func compress(_ input: [UInt8], _ compression: LayerCompression, workers: Int, level: Int = 6, pieces: Int = 10_007,
                  owned: Bool = false) throws -> [UInt8] {
        var out = [UInt8]()
        let emit: (UnsafeRawBufferPointer) throws -> Void = { out.append(contentsOf: $0) }
        let c: StreamCompressor = compression == .gzip
            ? ParallelGzip(level: level, workers: workers, emit: emit)
            : try ZstdCompressor(level: level, workers: workers, emit: emit)
        // Odd-sized writes, as libarchive's are not aligned to blocks either.
        var i = 0, k = 0
        while i < input.count {
            let n = min(pieces, input.count - i)
            if owned, k % 2 == 0 {
                try c.write(owned: Array(input[i..<(i + n)]))
            } else {
                try input[i..<(i + n)].withUnsafeBytes { try c.write($0) }
            }
            i += n
            k += 1
        }
        try c.finish()
        return out
    }

    /// `gzip -t` / `zstd -t` accept the stream and decompressing it gives back the input.
    func checkWithTheTool(_ compressed: [UInt8], _ input: [UInt8], _ compression: LayerCompression) async throws {
        let s = try Sandbox()
        let z = s.root + "/blob", raw = s.root + "/raw"
        try Data(compressed).write(to: URL(fileURLWithPath: z))
        try Data(input).write(to: URL(fileURLWithPath: raw))
        let tool = compression == .gzip ? "gzip" : "zstd"
        try await run(["sh", "-c", "\(tool) -t < '\(z)' && \(tool) -dc < '\(z)' | cmp - '\(raw)'"])
    }

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func sameBytesWhateverTheWorkerCount(_ compression: LayerCompression) async throws {
        // 9 MiB: many gzip blocks and more than two zstd jobs.
        let input = Self.bytes(9 << 20, seed: 42)
        let one = try compress(input, compression, workers: 1)
        let two = try compress(input, compression, workers: 2, pieces: 65_536)
        let four = try compress(input, compression, workers: 4, pieces: 1_000)
        #expect(one == two && one == four, "\(compression): \(one.count) \(two.count) \(four.count) bytes")
        // Arrays handed over whole: on block boundaries (as the sink cuts them) and off them.
        let aligned = try compress(input, compression, workers: 2, pieces: StreamSink.pieceSize, owned: true)
        let unaligned = try compress(input, compression, workers: 2, pieces: 300_001, owned: true)
        #expect(one == aligned && one == unaligned, "\(compression): \(aligned.count) \(unaligned.count) bytes")
        try await checkWithTheTool(one, input, compression)
        #expect(one.count < input.count)
    }

    @Test(arguments: [0, 1, ParallelGzip.blockSize - 1, ParallelGzip.blockSize, ParallelGzip.blockSize + 1,
                      2 * ParallelGzip.blockSize, 3 * ParallelGzip.blockSize + 12_345])
    func gzipAtBlockEdges(_ size: Int) async throws {
        let input = Self.bytes(size, seed: UInt64(size) + 7)
        let a = try compress(input, .gzip, workers: 1), b = try compress(input, .gzip, workers: 3, pieces: 4096)
        #expect(a == b)
        try await checkWithTheTool(a, input, .gzip)
        for level in [1, 9] { try await checkWithTheTool(try compress(input, .gzip, workers: 2, level: level), input, .gzip) }
    }

    @Test func zstdEmptyAndSmall() async throws {
        for size in [0, 1, 100_000] {
            let input = Self.bytes(size, seed: 3)
            try await checkWithTheTool(try compress(input, .zstd, workers: 2), input, .zstd)
        }
    }

    func fill(_ s: Sandbox) throws {
        try s.write("data/api", "#!/bin/sh\necho api\n", executable: true)
        for i in 0..<40 {
            let b = Self.bytes(20_000 + i * 3_001, seed: UInt64(i))
            try FileManager.default.createDirectory(atPath: s.root + "/data/d\(i % 4)", withIntermediateDirectories: true)
            try Data(b).write(to: URL(fileURLWithPath: s.root + "/data/d\(i % 4)/f\(i).bin"))
        }
    }

    /// A whole image, built with 1, 2 and 4 compression threads: one digest per compression.
    @Test(arguments: [LayerCompression.gzip, .zstd])
    func imageDigestWhateverTheWorkerCount(_ compression: LayerCompression) async throws {
        let s = try Sandbox()
        try fill(s)
        let spec = ImageSpec(layers: [LayerSource(from: s.root + "/data", to: "/data")], compression: compression)
        var digests: [Digest] = []
        for w in [1, 2, 4] {
            let b = ImageBuilder(store: BlobStore(root: s.root + "/cache-\(w)"), workers: w)
            let rec = try b.build(spec, fingerprint: try b.fingerprint(spec, base: nil), base: nil)
            digests.append(rec.digest)
            let layer = rec.images[0].layers[0]
            #expect(layer.mediaType == ManifestFormat.oci.layer(compression))
            let tool = compression == .gzip ? "gzip" : "zstd"
            let blob = b.store.root + "/blobs/sha256/" + layer.digest.hex
            // The diff_id is the tar's hash, read back through the tool.
            let diffID = try await run(["sh", "-c", "\(tool) -t < '\(blob)' && \(tool) -dc < '\(blob)' | sha256sum"])
            let config = try #require(FileManager.default.contents(atPath: b.store.root + "/blobs/sha256/" + rec.images[0].config.digest.hex))
            #expect(String(decoding: config, as: UTF8.self).contains("sha256:" + diffID.prefix(64)))
        }
        #expect(Set(digests).count == 1, "\(digests)")
        #expect(availableCores() >= 1)
        let gz = ImageSpec(layers: spec.layers, compression: compression == .gzip ? .zstd : .gzip)
        let b = ImageBuilder(store: BlobStore(root: s.root + "/cache-other"))
        #expect(try b.fingerprint(gz, base: nil).inputHash != b.fingerprint(spec, base: nil).inputHash, "compression is part of the input hash")
    }

    /// A file that grows between plan and build fails the build (the writing thread and the
    /// compression workers stop; nothing hangs) and leaves no blob behind.
    @Test(arguments: [LayerCompression.gzip, .zstd])
    func aFileChangingDuringTheBuildFailsIt(_ compression: LayerCompression) throws {
        let s = try Sandbox()
        try fill(s)
        let spec = ImageSpec(layers: [LayerSource(from: s.root + "/data", to: "/data")], compression: compression)
        let b = ImageBuilder(store: BlobStore(root: s.root + "/cache"), workers: 2)
        let fp = try b.fingerprint(spec, base: nil)
        try s.write("data/d0/f0.bin", String(repeating: "grown ", count: 100_000))
        #expect(throws: ImageError.self) { try b.build(spec, fingerprint: fp, base: nil) }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: s.root + "/cache/blobs/sha256")) ?? []
        #expect(left.isEmpty, "\(left)")
    }

    @Test func zstdNeedsTheOCIFormat() throws {
        #expect(ManifestFormat.docker.layer(.zstd) == nil)
        #expect(ManifestFormat.oci.layer(.zstd) == "application/vnd.oci.image.layer.v1.tar+zstd")
    }
}
