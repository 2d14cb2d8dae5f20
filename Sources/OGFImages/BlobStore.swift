import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed blobs (layers, configs, manifests) under `.ogf-cache/images/blobs/sha256/`,
/// written by planning (builds are deterministic) and read by pushing.
public struct BlobStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func path(_ d: Digest) -> String { "\(root)/blobs/sha256/\(d.hex)" }

    public func has(_ d: Digest) -> Bool { access(path(d), F_OK) == 0 }

    public func size(_ d: Digest) -> Int64? {
        var st = stat()
        return stat(path(d), &st) == 0 ? Int64(st.st_size) : nil
    }

    @discardableResult
    public func put(_ data: Data) throws -> Digest {
        let d = Digest.of(data)
        if has(d) { return d }
        try ensureDirs()
        let tmp = path(d) + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try data.write(to: URL(fileURLWithPath: tmp))
        rename(tmp, path(d))
        return d
    }

    public func read(_ d: Digest) -> Data? { FileManager.default.contents(atPath: path(d)) }

    /// A temporary file in the store's folder, to be moved into place with `adopt`.
    func temporaryPath() throws -> String {
        try ensureDirs()
        return "\(root)/blobs/sha256/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    func adopt(_ tmp: String, as d: Digest) {
        if has(d) { unlink(tmp) } else { rename(tmp, path(d)) }
    }

    func ensureDirs() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/blobs/sha256", withIntermediateDirectories: true)
    }
}
