import Foundation
@testable import OGFImages
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A cold build reads and hashes each file once: the fingerprint keeps what it read (within a
/// budget) and the build writes it from memory. The bytes must not depend on what was kept, and
/// a file changed between plan and build must still fail the build, kept or not.
@Suite(.tags(.small))
struct KeptContentsTests {
    func fill(_ s: Sandbox) throws {
        try s.write("data/api", "#!/bin/sh\necho api\n", executable: true)
        try s.write("data/empty", "")
        for i in 0..<30 {
            let b = LayerCompressionTests.bytes(9_000 + i * 2_003, seed: UInt64(i))
            try FileManager.default.createDirectory(atPath: s.root + "/data/d\(i % 3)", withIntermediateDirectories: true)
            try Data(b).write(to: URL(fileURLWithPath: s.root + "/data/d\(i % 3)/f\(i).bin"))
        }
    }

    func spec(_ s: Sandbox) -> ImageSpec { ImageSpec(layers: [LayerSource(from: s.root + "/data", to: "/data")]) }

    /// Everything kept, part of it (a budget smaller than the folder) and nothing: one digest,
    /// the same input hash, and the kept memory is freed once the layer is written.
    @Test func sameDigestWhateverWasKept() throws {
        let s = try Sandbox()
        try fill(s)
        let files = 32 // api, empty and 30 in d0–d2
        var digests: [Digest] = [], inputs: [String] = [], keptCounts: [Int] = []
        for (k, budget) in [nil, 150_000, 0].enumerated() {
            let b = ImageBuilder(store: BlobStore(root: s.root + "/cache-\(k)"), workers: 2, keepBytes: budget)
            let fp = try b.fingerprint(spec(s), base: nil)
            let kept = fp.contents[0]
            keptCounts.append(kept?.count ?? 0)
            #expect(String(decoding: fp.listingText, as: UTF8.self) == fp.listing.joined(separator: "\n"), "the listing file's bytes")
            let rec = try b.build(spec(s), fingerprint: fp, base: nil)
            #expect(kept?.count ?? 0 == 0, "kept contents are freed after the build")
            digests.append(rec.digest)
            inputs.append(rec.inputHash)
        }
        #expect(Set(digests).count == 1, "\(digests)")
        #expect(Set(inputs).count == 1, "\(inputs)")
        #expect(keptCounts[0] == files, "every file kept with the default budget: \(keptCounts) of \(files)")
        #expect(keptCounts[1] > 0 && keptCounts[1] < files, "a budget smaller than the folder keeps part of it: \(keptCounts)")
        #expect(keptCounts[2] == 0)
    }

    /// The layer bytes earlier builds wrote (pinned from a build before the fingerprint kept
    /// contents and before libarchive wrote unblocked, the sink padding the end to 10 KiB): kept
    /// or read again, gzip and zstd, the same digests and diff_id.
    @Test(arguments: [LayerCompression.gzip, .zstd])
    func sameBytesAsEarlierBuilds(_ compression: LayerCompression) throws {
        let s = try Sandbox()
        try s.write("app/api", "#!/bin/sh\necho api\n", executable: true)
        try s.write("app/static/index.html", "<h1>hi</h1>")
        try s.write("app/big.txt", String(repeating: "0123456789abcdef\n", count: 20_000))
        try s.write("app/\(String(repeating: "long-name-", count: 12)).txt", "needs a PAX header")
        symlink("static/index.html", s.root + "/app/link")
        let expected = compression == .gzip
            ? "sha256:343bf621c2ca82c13430a552e4e3c56add552c61124a3cdacc7631b919bcda7d"
            : "sha256:28d1ac1fec106c9d5fe6d4186eb3f91fefc110ab56f709d42e05b33bea0edb9b"
        let spec = ImageSpec(layers: [LayerSource(from: s.root + "/app", to: "/app")], compression: compression)
        for (k, budget) in [nil, 0].enumerated() {
            let b = ImageBuilder(store: BlobStore(root: s.root + "/cache-\(k)"), workers: 2, keepBytes: budget)
            let rec = try b.build(spec, fingerprint: try b.fingerprint(spec, base: nil), base: nil)
            #expect(rec.images[0].layers[0].digest.value == expected, "keepBytes \(String(describing: budget))")
            let config = try #require(FileManager.default.contents(atPath: b.store.root + "/blobs/sha256/" + rec.images[0].config.digest.hex))
            #expect(String(decoding: config, as: UTF8.self).contains("sha256:9d522d5f84ce0cf69a81c17431ce21d873cb38dd2e816fc5d140b53ac5cb15cd"))
        }
    }

    /// A kept file rewritten in place with the same size, or replaced by another file (a new
    /// inode, as editors save), after the plan: the build fails and leaves no blob.
    @Test(arguments: ["in place", "replaced"])
    func aKeptFileChangedAfterThePlanFailsTheBuild(_ how: String) throws {
        let s = try Sandbox()
        try fill(s)
        let b = ImageBuilder(store: BlobStore(root: s.root + "/cache"), workers: 2)
        let fp = try b.fingerprint(spec(s), base: nil)
        let k = try #require(fp.entries[0].firstIndex { $0.path == "d1/f1.bin" })
        #expect(fp.contents[0]?.bytes(k) != nil, "the file was kept")
        let path = s.root + "/data/d1/f1.bin"
        let size = fp.entries[0][k].size
        let other = Data(LayerCompressionTests.bytes(Int(size), seed: 999))
        if how == "in place" {
            Thread.sleep(forTimeInterval: 0.05) // past the file system's timestamp granularity
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.write(contentsOf: other)
            try h.close()
        } else {
            try other.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        let e = #expect(throws: ImageError.self) { try b.build(spec(s), fingerprint: fp, base: nil) }
        #expect(e?.message.contains("d1/f1.bin changed while the image was being built") == true, "\(String(describing: e))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: s.root + "/cache/blobs/sha256")) ?? []
        #expect(left.isEmpty, "\(left)")
    }

    /// A file the fingerprint did not keep is read again by the build and its hash compared:
    /// a same-size change with its old mtime put back is still caught.
    @Test func aFileReadAgainIsCheckedByItsHash() throws {
        let s = try Sandbox()
        try fill(s)
        let b = ImageBuilder(store: BlobStore(root: s.root + "/cache"), workers: 2, keepBytes: 0)
        let fp = try b.fingerprint(spec(s), base: nil)
        #expect(fp.contents[0] == nil)
        let path = s.root + "/data/d2/f2.bin"
        var before = stat()
        #expect(lstat(path, &before) == 0)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.write(contentsOf: Data("changed".utf8))
        try h.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let e = #expect(throws: ImageError.self) { try b.build(spec(s), fingerprint: fp, base: nil) }
        #expect(e?.message.contains("d2/f2.bin changed while the image was being built") == true, "\(String(describing: e))")
    }

    /// When the build record exists, the plan does not build: what was kept is freed at once.
    @Test func keptContentsAreDroppedWhenTheRecordIsCached() async throws {
        let s = try Sandbox()
        try fill(s)
        let b = ImageBuilder(store: BlobStore(root: s.root + "/cache"), workers: 2)
        let first = try b.fingerprint(spec(s), base: nil)
        _ = try await b.cachedOrBuilt(spec(s), fingerprint: first, base: nil)
        // Touching every file misses the file-hash cache, so the fingerprint reads (and keeps)
        // them again; the contents are the same, so the build record is found.
        try FileManager.default.removeItem(atPath: s.root + "/cache/files")
        let fp = try b.fingerprint(spec(s), base: nil)
        let kept = try #require(fp.contents[0])
        #expect(kept.count > 0)
        let rec = try await b.cachedOrBuilt(spec(s), fingerprint: fp, base: nil)
        #expect(rec.inputHash == first.inputHash)
        #expect(kept.count == 0)
    }
}
