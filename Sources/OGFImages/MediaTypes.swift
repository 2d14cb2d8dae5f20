/// Media types of the two manifest formats registries accept.
public enum ManifestFormat: String, Sendable, Codable {
    case oci, docker

    public var manifest: String {
        self == .oci ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json"
    }
    public var index: String {
        self == .oci ? "application/vnd.oci.image.index.v1+json" : "application/vnd.docker.distribution.manifest.list.v2+json"
    }
    public var config: String {
        self == .oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json"
    }
    public var gzipLayer: String {
        self == .oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip"
    }

    /// The layer media type for `compression`; nil where the format has none (Docker has no zstd).
    public func layer(_ compression: LayerCompression) -> String? {
        switch compression {
        case .gzip: return gzipLayer
        case .zstd: return self == .oci ? "application/vnd.oci.image.layer.v1.tar+zstd" : nil
        }
    }

    /// The Accept header for reading manifests of either format.
    public static let acceptAll = [ManifestFormat.oci.manifest, ManifestFormat.oci.index, ManifestFormat.docker.manifest,
                                   ManifestFormat.docker.index].joined(separator: ", ")

    public static func isIndex(_ mediaType: String) -> Bool {
        mediaType == ManifestFormat.oci.index || mediaType == ManifestFormat.docker.index
    }
}

/// How layers are compressed. gzip is what every registry and runtime reads; zstd is smaller and
/// faster where supported (OCI media type only).
public enum LayerCompression: String, Sendable, Codable {
    case gzip, zstd
}

/// `os/architecture[/variant]`, as in `linux/arm64/v8`.
public struct Platform: Sendable, Codable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init?(_ text: String) {
        let p = text.split(separator: "/").map(String.init)
        guard p.count == 2 || p.count == 3 else { return nil }
        os = p[0]
        architecture = p[1]
        variant = p.count == 3 ? p[2] : nil
    }

    public var description: String { "\(os)/\(architecture)" + (variant.map { "/" + $0 } ?? "") }

    var json: [String: Any] {
        var m: [String: Any] = ["os": os, "architecture": architecture]
        if let variant { m["variant"] = variant }
        return m
    }
}

/// A content descriptor: what a manifest says about a blob.
public struct Descriptor: Sendable, Codable, Equatable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64

    public init(mediaType: String, digest: Digest, size: Int64) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
    }

    var json: [String: Any] { ["mediaType": mediaType, "digest": digest.value, "size": size] }
}
