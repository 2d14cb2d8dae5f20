import Foundation
@testable import OGFImages
import Testing

@Suite(.tags(.small))
struct LayerBuilderTests {
    func fill(_ s: Sandbox, _ dir: String) throws {
        try s.write("\(dir)/api", "#!/bin/sh\necho api\n", executable: true)
        try s.write("\(dir)/static/index.html", "<h1>hi</h1>")
        try s.write("\(dir)/static/z/deep.txt", String(repeating: "x", count: 100_000))
        try s.write("\(dir)/\(String(repeating: "long-name-", count: 12)).txt", "needs a PAX header")
        symlink("static/index.html", s.root + "/\(dir)/link")
    }

    func build(_ s: Sandbox, _ dir: String, epoch: Int = 0) throws -> BuildRecord {
        let store = BlobStore(root: s.root + "/.cache-\(dir.replacingOccurrences(of: "/", with: "_"))")
        let b = ImageBuilder(store: store)
        let spec = ImageSpec(layers: [LayerSource(from: s.root + "/" + dir, to: "/app")], sourceDateEpoch: epoch)
        return try b.build(spec, fingerprint: try b.fingerprint(spec, base: nil), base: nil)
    }

    @Test func sameDigestFromTwoFoldersAtDifferentTimes() async throws {
        let s = try Sandbox()
        try fill(s, "one")
        // Different mtimes, inode numbers and folder names; same contents.
        try await Task.sleep(for: .milliseconds(1100))
        try fill(s, "elsewhere/two")
        let a = try build(s, "one"), b = try build(s, "elsewhere/two")
        #expect(a.digest == b.digest)
        #expect(a.images[0].layers == b.images[0].layers)
        #expect(a.inputHash == b.inputHash)
        let c = try build(s, "one", epoch: 1_700_000_000)
        #expect(c.digest != a.digest, "SOURCE_DATE_EPOCH is part of the bytes")
    }

    @Test func changedFilesAreListed() throws {
        let old = ["app/a\tf - 1 x", "app/b\tf - 1 y", "app/c\td"]
        let new = ["app/a\tf - 1 x", "app/b\tf - 2 z", "app/d\td"]
        #expect(ImageBuilder.changedFiles(old: old, new: new) == ["app/b", "app/c", "app/d"])
    }

    /// The listing line hashed into the input hash is assembled as bytes on a cold build; it must
    /// stay the string `line` gives (else every input hash would change).
    @Test func listingLineBytesAreTheLineString() {
        let entries = [
            FileEntry(path: "bin/api", kind: .file, mode: 0o755, size: 1_234_567, mtimeNanos: 1, inode: 2, device: 3),
            FileEntry(path: "données/é.txt", kind: .file, mode: 0o644, size: 0, mtimeNanos: 1, inode: 2, device: 3),
            FileEntry(path: "static", kind: .directory, mode: 0o755, size: 0, mtimeNanos: 1, inode: 2, device: 3),
            FileEntry(path: "link", kind: .symlink, mode: 0o777, size: 0, mtimeNanos: 1, inode: 2, device: 3, linkTarget: "static/index.html"),
            FileEntry(path: "odd", kind: .file, mode: 0o600, size: -5, mtimeNanos: 1, inode: 2, device: 3),
        ]
        for (e, hex) in zip(entries, ["ab12", nil, nil, nil, "ff"]) {
            for prefix in ["", "app/"] {
                var buf: [UInt8] = []
                ImageBuilder.appendLine(&buf, prefix: prefix, e, hex)
                #expect(String(decoding: buf, as: UTF8.self) == ImageBuilder.line(prefix: prefix, e, hex))
            }
        }
        var n: [UInt8] = []
        ImageBuilder.appendDecimal(&n, UInt64.max)
        #expect(String(decoding: n, as: UTF8.self) == "\(UInt64.max)")
    }

    @Test func referencesParse() throws {
        let r = try ImageReference.parse("127.0.0.1:5000/offgridflow/api:1.0")
        #expect(r.registry == "127.0.0.1:5000" && r.repository == "offgridflow/api" && r.tag == "1.0")
        let d = try ImageReference.parse("alpine@sha256:" + String(repeating: "a", count: 64))
        #expect(d.registry == "docker.io" && d.repository == "library/alpine" && d.digest != nil)
        #expect(throws: ImageError.self) { try ImageReference.parse("x@sha256:nothex") }
    }

    @Test func challengesParse() {
        let c = AuthChallenge.parse(#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#)
        #expect(c?.scheme == "bearer")
        #expect(c?.parameters["realm"] == "https://auth.example/token")
        #expect(c?.parameters["scope"] == "repository:a/b:pull,push")
        #expect(AuthChallenge.parse(#"Basic realm="ogf-test""#)?.scheme == "basic")
    }
}
