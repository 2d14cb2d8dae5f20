import Foundation
import OGFCore

extension ImageKind {
    /// The `image` configuration, decoded once per plan or apply. Values the kind cannot use (a
    /// repository or base that is not an image reference, a platform that is not os/arch, a
    /// compression level out of 1–9, zstd with the Docker format) are diagnostics at their field.
    struct Config: Decodable {
        struct Layer: Decodable {
            var from: String
            var to: String

            enum CodingKeys: String, CodingKey { case from, to }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                from = try c.decode(String.self, forKey: .from)
                // The engine fills top-level defaults only; this one comes from the layer schema.
                to = try c.decodeIfPresent(String.self, forKey: .to) ?? ImageKind.layerSchema.field("to")?.defaultValue?.stringValue ?? "/"
            }
        }

        var repository: ImageReference
        var tags: [String]?
        /// nil for `scratch`.
        var base: ImageReference?
        var layers: [Layer]?
        var entrypoint: [String]?
        var cmd: [String]?
        var env: [String: String]?
        var workdir: String?
        var user: String?
        var labels: [String: String]?
        var ports: [String]?
        var platforms: [Platform]
        var format: ManifestFormat
        var sourceDateEpoch: Int?
        var compression: LayerCompression
        var compressionLevel: Int
        var chunkSize: Int
        var builder: [String]?
        var context: String?
        var registry: RegistryAccess.Settings

        enum CodingKeys: String, CodingKey {
            case repository, tags, base, layers, entrypoint, cmd, env, workdir, user, labels, ports, platforms, format
            case sourceDateEpoch = "source_date_epoch", compression, compressionLevel = "compression_level", chunkSize = "chunk_size", builder, context
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            repository = try Self.reference(c, .repository)
            tags = try c.decodeIfPresent([String].self, forKey: .tags)
            let baseText = try c.decode(String.self, forKey: .base)
            base = baseText == "scratch" ? nil : try Self.reference(c, .base)
            layers = try c.decodeIfPresent([Layer].self, forKey: .layers)
            entrypoint = try c.decodeIfPresent([String].self, forKey: .entrypoint)
            cmd = try c.decodeIfPresent([String].self, forKey: .cmd)
            env = try c.decodeIfPresent([String: String].self, forKey: .env)
            workdir = try c.decodeIfPresent(String.self, forKey: .workdir)
            user = try c.decodeIfPresent(String.self, forKey: .user)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            ports = try c.decodeIfPresent([String].self, forKey: .ports)
            platforms = try c.decode([String].self, forKey: .platforms).enumerated().map { i, p in
                guard let pl = Platform(p) else { throw Diagnostic.field("platforms[\(i)]", "\"\(p)\" is not os/arch[/variant], e.g. linux/amd64") }
                return pl
            }
            guard !platforms.isEmpty else { throw Diagnostic.field("platforms", "is empty: name at least one platform, e.g. [linux/amd64]") }
            format = try c.decode(ManifestFormat.self, forKey: .format)
            sourceDateEpoch = try c.decodeIfPresent(Int.self, forKey: .sourceDateEpoch)
            compression = try c.decode(LayerCompression.self, forKey: .compression)
            if format.layer(compression) == nil {
                throw Diagnostic.field("compression", "\(compression.rawValue) layers need format: oci (Docker's media types have no \(compression.rawValue))")
            }
            compressionLevel = try c.decode(Int.self, forKey: .compressionLevel)
            guard (1...9).contains(compressionLevel) else {
                throw Diagnostic.field("compression_level", "must be 1 to 9, got \(compressionLevel)")
            }
            chunkSize = try c.decode(Int.self, forKey: .chunkSize)
            guard chunkSize >= 0 else { throw Diagnostic.field("chunk_size", "must be 0 (one PUT) or a number of bytes, got \(chunkSize)") }
            builder = try c.decodeIfPresent([String].self, forKey: .builder)
            if builder?.isEmpty == true { throw Diagnostic.field("builder", "is empty: give a command such as [buildah, bud, -t, x, .]") }
            context = try c.decodeIfPresent(String.self, forKey: .context)
            registry = try RegistryAccess.Settings(from: decoder)
        }

        static func reference(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> ImageReference {
            let text = try c.decode(String.self, forKey: key)
            do { return try ImageReference.parse(text) } catch let e as ImageError {
                throw Diagnostic.field(key.stringValue, e.message)
            }
        }
    }
}
