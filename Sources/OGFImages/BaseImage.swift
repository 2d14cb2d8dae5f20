import Foundation

/// A base image resolved for the platforms being built: per platform, its manifest digest, its
/// config (inherited settings and diff_ids) and its layers. `scratch` has none of these.
public struct BaseImage: Sendable {
    public struct PerPlatform: Sendable {
        public var manifestDigest: Digest
        public var config: Data
        public var layers: [Descriptor]
    }

    public var reference: ImageReference
    public var platforms: [Platform: PerPlatform]

    /// Reads the base's manifest (or index, choosing each platform) and configs from its registry,
    /// keeping the configs in the blob store.
    public static func resolve(_ ref: ImageReference, platforms: [Platform], client: RegistryClient, store: BlobStore) async throws -> BaseImage {
        let top = try await client.getManifest(ref.repository, reference: ref.reference)
        var manifests: [Platform: (Data, Digest)] = [:]
        if ManifestFormat.isIndex(top.mediaType) {
            let idx = CanonicalJSON.decode(top.data)?["manifests"] as? [[String: Any]] ?? []
            for p in platforms {
                guard let m = idx.first(where: { e in
                    let pl = e["platform"] as? [String: Any]
                    return pl?["os"] as? String == p.os && pl?["architecture"] as? String == p.architecture
                        && (p.variant == nil || pl?["variant"] as? String == p.variant)
                }), let ds = m["digest"] as? String else {
                    throw ImageError("base image \(ref) has no manifest for platform \(p)")
                }
                let got = try await client.getManifest(ref.repository, reference: ds)
                manifests[p] = (got.data, got.digest)
            }
        } else {
            for p in platforms { manifests[p] = (top.data, top.digest) }
        }
        var out: [Platform: PerPlatform] = [:]
        for (p, (data, digest)) in manifests {
            guard let obj = CanonicalJSON.decode(data), let cfg = obj["config"] as? [String: Any], let cds = cfg["digest"] as? String,
                  let cd = Digest(cds) else { throw ImageError("base image \(ref): manifest \(digest.short) has no config") }
            let config: Data
            if let cached = store.read(cd) { config = cached } else {
                config = try await client.getBlob(ref.repository, cd)
                try store.put(config)
            }
            let layers = (obj["layers"] as? [[String: Any]] ?? []).compactMap { l -> Descriptor? in
                guard let ds = l["digest"] as? String, let d = Digest(ds), let mt = l["mediaType"] as? String else { return nil }
                let size = (l["size"] as? NSNumber)?.int64Value ?? 0
                return Descriptor(mediaType: mt, digest: d, size: size)
            }
            out[p] = PerPlatform(manifestDigest: digest, config: config, layers: layers)
        }
        return BaseImage(reference: ref, platforms: out)
    }
}
