import Foundation

/// Pushes a built image: blobs the registry lacks (HEAD first; base layers mounted from their
/// repository on the same registry, else copied), then manifests, the index and tags. A push cut
/// short leaves the blobs it finished, so the next apply only sends the rest.
struct ImagePusher: Sendable {
    let store: BlobStore
    let client: RegistryClient
    let access: RegistryAccess
    let chunkSize: Int64

    func push(_ rec: BuildRecord, to repo: String, tags: [String], progress: @escaping @Sendable (String) -> Void) async throws -> String {
        var pushed = 0, present = 0, mounted = 0
        var bytes: Int64 = 0
        let baseSet = Set(rec.baseLayers)
        for b in rec.allBlobs {
            if try await client.blobExists(repo, b.digest) { present += 1; continue }
            if baseSet.contains(b.digest), let baseRepo = rec.baseRepository {
                if rec.baseRegistry == client.registry, try await client.mountBlob(repo, digest: b.digest, from: baseRepo) {
                    mounted += 1
                    continue
                }
                if !store.has(b.digest), let reg = rec.baseRegistry {
                    progress("downloading base layer \(b.digest.short) from \(reg)/\(baseRepo)")
                    try store.put(try await access.client(reg).getBlob(baseRepo, b.digest))
                }
            }
            guard let size = store.size(b.digest) else {
                throw ImageError("blob \(b.digest.short) is missing from the local cache \(store.root); plan again to rebuild it")
            }
            progress("uploading \(b.digest.short) (\(Self.format(size)))")
            try await client.uploadBlob(repo, digest: b.digest, file: store.path(b.digest), size: size, chunkSize: chunkSize, progress: progress)
            pushed += 1
            bytes += size
        }
        for img in rec.images {
            guard let data = store.read(img.manifest.digest) else { throw ImageError("manifest \(img.manifest.digest.short) is missing from the local cache") }
            try await client.putManifest(repo, reference: img.manifest.digest.value, data: data, mediaType: img.manifest.mediaType)
        }
        let top = rec.index.flatMap { store.read($0.digest) } ?? store.read(rec.digest)
        guard let top else { throw ImageError("manifest \(rec.digest.short) is missing from the local cache") }
        if rec.index != nil { try await client.putManifest(repo, reference: rec.digest.value, data: top, mediaType: rec.mediaType) }
        for t in tags { try await client.putManifest(repo, reference: t, data: top, mediaType: rec.mediaType) }
        var parts = ["\(pushed) blob\(pushed == 1 ? "" : "s") pushed (\(Self.format(bytes)))"]
        if present > 0 { parts.append("\(present) already present") }
        if mounted > 0 { parts.append("\(mounted) mounted") }
        return parts.joined(separator: ", ")
    }

    static func format(_ n: Int64) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / 1048576) }
        if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return "\(n) B"
    }
}
