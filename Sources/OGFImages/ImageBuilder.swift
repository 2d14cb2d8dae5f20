import Crypto
import Foundation

/// Everything that decides an image's bytes.
public struct ImageSpec: Sendable {
    public var layers: [LayerSource]
    public var settings: RuntimeSettings
    public var platforms: [Platform]
    public var format: ManifestFormat
    public var sourceDateEpoch: Int
    public var compressionLevel: Int
    public var compression: LayerCompression

    public init(layers: [LayerSource], settings: RuntimeSettings = RuntimeSettings(), platforms: [Platform] = [Platform("linux/amd64")!],
                format: ManifestFormat = .oci, sourceDateEpoch: Int = 0, compressionLevel: Int = 6, compression: LayerCompression = .gzip) {
        self.layers = layers
        self.settings = settings
        self.platforms = platforms
        self.format = format
        self.sourceDateEpoch = sourceDateEpoch
        self.compressionLevel = compressionLevel
        self.compression = compression
    }
}

/// The hash of an image's inputs, and what it came from.
public struct Fingerprint: Sendable {
    public var inputHash: String
    /// The listed entries per layer, reused by the build.
    var entries: [[FileEntry]]
    /// Content hashes per layer, in the order of `entries`; nil when the whole layer matched
    /// the cache and was not looked at file by file.
    var hashes: [[String?]?]
    var prefixes: [String]
    var caches: [FileHashCache]
    /// Per layer, the file contents the hashing read and kept for the build (nil: none kept).
    var contents: [RetainedContents?] = []
    public var fileCount: Int { entries.reduce(0) { $0 + $1.count } }

    /// `listing` joined by newlines, as bytes (written after every build: 20,000 strings showed
    /// at the single-threaded end of a cold build).
    var listingText: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(fileCount * 100)
        for (i, es) in entries.enumerated() {
            let hs = hashes[i] ?? caches[i].lines.map { $0.hex == "-" ? nil : $0.hex }
            for (e, h) in zip(es, hs) {
                if !out.isEmpty { out.append(10) }
                ImageBuilder.appendLine(&out, prefix: prefixes[i], e, h)
            }
        }
        return out
    }

    /// Frees the file contents kept for a build, when none follows (its record was cached).
    public func dropKeptContents() { for c in contents { c?.release() } }

    /// `path<TAB>signature` per entry, path as in the image (`app/bin/api`).
    public var listing: [String] {
        var out: [String] = []
        for (i, es) in entries.enumerated() {
            let hs = hashes[i] ?? caches[i].lines.map { $0.hex == "-" ? nil : $0.hex }
            for (e, h) in zip(es, hs) { out.append(ImageBuilder.line(prefix: prefixes[i], e, h)) }
        }
        return out
    }
}

/// What a build produced, cached under `.ogf-cache/images/builds/<input hash>.json` so that a
/// plan with unchanged inputs knows every digest without building.
public struct BuildRecord: Sendable, Codable, Equatable {
    public struct PlatformImage: Sendable, Codable, Equatable {
        public var platform: String
        public var manifest: Descriptor
        public var config: Descriptor
        public var layers: [Descriptor]
    }

    public var inputHash: String
    /// The digest pushed: the index for several platforms, else the manifest.
    public var digest: Digest
    public var mediaType: String
    public var images: [PlatformImage]
    public var index: Descriptor?
    /// Layers that come from the base image (not in the local store until downloaded).
    public var baseLayers: [Digest]
    public var baseRepository: String?
    public var baseRegistry: String?

    enum CodingKeys: String, CodingKey {
        case inputHash = "input_hash", digest, mediaType = "media_type", images, index
        case baseLayers = "base_layers", baseRepository = "base_repository", baseRegistry = "base_registry"
    }

    /// Every blob a push needs, layers first, configs, then manifests and the index.
    public var allBlobs: [Descriptor] {
        var seen = Set<Digest>()
        var out: [Descriptor] = []
        for img in images { for l in img.layers where seen.insert(l.digest).inserted { out.append(l) } }
        for img in images where seen.insert(img.config.digest).inserted { out.append(img.config) }
        return out
    }
}

/// Fingerprints and builds images into a `BlobStore`. Deterministic: the same inputs give the
/// same record, so planning may build and pushing may rebuild.
public struct ImageBuilder: Sendable {
    public var store: BlobStore
    /// Compression threads per layer; nil: one per core. Tests vary it; the bytes do not.
    public var workers: Int?
    /// Bytes of file contents a fingerprint may keep in memory for the build that follows it;
    /// nil: up to `RetainedContents.processLimit` (which also bounds all fingerprints of the
    /// process together); 0 when no build follows, or to test the reading build.
    public var keepBytes: Int?

    public init(store: BlobStore, workers: Int? = nil, keepBytes: Int? = nil) {
        self.store = store
        self.workers = workers
        self.keepBytes = keepBytes
    }

    var buildsDir: String { store.root + "/builds" }

    /// Lists every layer folder, hashes contents (cached by path, size, mtime and inode) and
    /// combines them with the settings and the base's manifest digests into one input hash.
    public func fingerprint(_ spec: ImageSpec, base: BaseImage?) throws -> Fingerprint {
        var h = SHA256()
        func add(_ s: String) {
            var s = s + "\n"
            s.withUTF8 { h.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        // v2: gzip layers are written in parallel blocks, so every layer's bytes changed once.
        add("ogf-image-v2")
        add("format=\(spec.format.rawValue) epoch=\(spec.sourceDateEpoch) level=\(spec.compressionLevel)")
        if spec.compression != .gzip { add("compression=\(spec.compression.rawValue)") }
        add("platforms=\(spec.platforms.map(\.description).joined(separator: ","))")
        add(spec.settings.fingerprint)
        if let base {
            for p in spec.platforms { add("base \(p)=\(base.platforms[p]?.manifestDigest.value ?? "-")") }
        }
        var fp = Fingerprint(inputHash: "", entries: [], hashes: [], prefixes: [], caches: [])
        for (i, layer) in spec.layers.enumerated() {
            let entries = try FileTree.list(layer.from)
            var cache = FileHashCache(cacheDir: store.root, root: layer.from)
            var hashes: [String?]?
            var kept: RetainedContents?
            let layerHash: String
            if cache.matchesExactly(entries), let known = cache.layerHash {
                // Unchanged since it was last hashed: no per-file work beyond the lstat.
                layerHash = known
            } else {
                // Kept so that a cold build reads and hashes each file once (the build checks
                // each kept file's stamp instead); freed by the build or with the fingerprint.
                let limit = keepBytes ?? RetainedContents.processLimit
                kept = limit > 0 ? RetainedContents(limit: limit) : nil
                let hs = try cache.hashes(root: layer.from, entries: entries, keep: kept)
                // The same bytes as `line` + "\n" per entry, assembled in one reused buffer (a
                // string per entry showed on a cold build's single-threaded stretch).
                var lh = SHA256()
                var buf: [UInt8] = []
                buf.reserveCapacity(1 << 16)
                for (e, hex) in zip(entries, hs) {
                    Self.appendLine(&buf, prefix: layer.prefix, e, hex)
                    buf.append(10)
                    if buf.count > 60_000 { buf.withUnsafeBytes { lh.update(bufferPointer: $0) }; buf.removeAll(keepingCapacity: true) }
                }
                buf.withUnsafeBytes { lh.update(bufferPointer: $0) }
                layerHash = lh.finalize().hex
                cache.remember(entries, hashes: hs, layerHash: layerHash)
                cache.save()
                hashes = hs
            }
            add("layer \(i) to=\(layer.prefix) \(layerHash)")
            fp.entries.append(entries)
            fp.hashes.append(hashes)
            fp.prefixes.append(layer.prefix)
            fp.caches.append(cache)
            fp.contents.append(kept)
        }
        fp.inputHash = h.finalize().hex
        return fp
    }

    /// `line`'s bytes appended to `buf`.
    static func appendLine(_ buf: inout [UInt8], prefix: String, _ e: FileEntry, _ hex: String?) {
        buf.append(contentsOf: prefix.utf8)
        buf.append(contentsOf: e.path.utf8)
        buf.append(9)
        switch e.kind {
        case .directory: buf.append(UInt8(ascii: "d"))
        case .symlink:
            buf.append(contentsOf: "l ".utf8)
            buf.append(contentsOf: (e.linkTarget ?? "").utf8)
        case .file:
            buf.append(contentsOf: (e.mode & 0o111) != 0 ? "f x ".utf8 : "f - ".utf8)
            appendDecimal(&buf, e.size)
            buf.append(32)
            buf.append(contentsOf: (hex ?? "").utf8)
        }
    }

    /// A decimal, as string interpolation writes it.
    static func appendDecimal(_ buf: inout [UInt8], _ v: Int64) {
        if v < 0 { buf.append(UInt8(ascii: "-")) }
        appendDecimal(&buf, v.magnitude)
    }

    static func appendDecimal(_ buf: inout [UInt8], _ v: UInt64) {
        var m = v
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(48 + m % 10); m /= 10; n += 1 } while m > 0
            while n > 0 { n -= 1; buf.append(d[n]) }
        }
    }

    static func line(prefix: String, _ e: FileEntry, _ hex: String?) -> String {
        let sig: String
        switch e.kind {
        case .directory: sig = "d"
        case .symlink: sig = "l \(e.linkTarget ?? "")"
        case .file: sig = "f \((e.mode & 0o111) != 0 ? "x" : "-") \(e.size) \(hex ?? "")"
        }
        return "\(prefix)\(e.path)\t\(sig)"
    }

    /// The record of an earlier build with these inputs, when its blobs are still in the store.
    public func cachedRecord(_ inputHash: String) -> BuildRecord? {
        guard let data = FileManager.default.contents(atPath: "\(buildsDir)/\(inputHash).json"),
              let rec = try? JSONDecoder().decode(BuildRecord.self, from: data) else { return nil }
        let ours = Set(rec.baseLayers)
        for b in rec.allBlobs where !ours.contains(b.digest) && !store.has(b.digest) { return nil }
        for img in rec.images where !store.has(img.manifest.digest) { return nil }
        return rec
    }

    /// The file listing recorded with an earlier build, for "which files changed".
    public func cachedListing(_ inputHash: String) -> [String]? {
        (try? String(contentsOfFile: "\(buildsDir)/\(inputHash).files", encoding: .utf8))?
            .split(separator: "\n").map(String.init)
    }

    /// The cached record for these inputs, else a build on a thread of its own: reading files,
    /// tar and hashing block, and must not hold one of Swift's cooperative threads meanwhile.
    public func cachedOrBuilt(_ spec: ImageSpec, fingerprint fp: Fingerprint, base: BaseImage?) async throws -> BuildRecord {
        if let rec = cachedRecord(fp.inputHash) { fp.dropKeptContents(); return rec }
        return try await withCheckedThrowingContinuation { cont in
            let t = Thread { cont.resume(with: Result { try build(spec, fingerprint: fp, base: base) }) }
            t.name = "ogf-image-build"
            t.stackSize = 1 << 22
            t.start()
        }
    }

    /// Builds layers, configs, manifests (and an index for several platforms) into the store.
    public func build(_ spec: ImageSpec, fingerprint fp: Fingerprint, base: BaseImage?) throws -> BuildRecord {
        let builder = LayerBuilder(sourceDateEpoch: spec.sourceDateEpoch, compressionLevel: spec.compressionLevel,
                                   compression: spec.compression, workers: workers)
        guard let layerType = spec.format.layer(spec.compression) else {
            throw ImageError("\(spec.compression.rawValue) layers need format oci")
        }
        var built: [BuiltLayer] = []
        for (i, layer) in spec.layers.enumerated() {
            let tmp = try store.temporaryPath()
            let expected = fp.hashes[i] ?? fp.caches[i].lines.map { $0.hex == "-" ? nil : $0.hex }
            let kept = fp.contents.indices.contains(i) ? fp.contents[i] : nil
            defer { kept?.release() }
            // The drift check: a file read again must hash as planned; a kept file must still
            // have the size, mtime and inode it had when it was read (LayerBuilder checks).
            var drift: String?
            do {
                let b = try builder.build(layer, entries: fp.entries[i], output: tmp, contents: kept) { k, e, hex in
                    if expected.indices.contains(k), expected[k] != hex, drift == nil { drift = e.path }
                }
                if let drift { throw ImageError("\(layer.from)/\(drift) changed while the image was being built; plan again") }
                store.adopt(tmp, as: b.digest)
                built.append(b)
            } catch {
                unlink(tmp)
                throw error
            }
        }
        var images: [BuildRecord.PlatformImage] = []
        for p in spec.platforms {
            let bp = base?.platforms[p]
            let baseConfig = bp.flatMap { CanonicalJSON.decode($0.config) }
            let history = spec.layers.map { "ogf: layer \($0.to)" }
            let config = ImageConfigWriter.make(base: baseConfig, settings: spec.settings, platform: p, diffIDs: built.map(\.diffID),
                                                created: spec.sourceDateEpoch, history: history)
            let cd = try store.put(config)
            let configDesc = Descriptor(mediaType: spec.format.config, digest: cd, size: Int64(config.count))
            let baseLayers = (bp?.layers ?? []).map { l in
                Descriptor(mediaType: Self.convert(l.mediaType, to: spec.format), digest: l.digest, size: l.size)
            }
            let layers = baseLayers + built.map { Descriptor(mediaType: layerType, digest: $0.digest, size: $0.size) }
            let manifest = ManifestWriter.manifest(format: spec.format, config: configDesc, layers: layers)
            let md = try store.put(manifest)
            images.append(.init(platform: p.description, manifest: Descriptor(mediaType: spec.format.manifest, digest: md, size: Int64(manifest.count)),
                                config: configDesc, layers: layers))
        }
        var index: Descriptor?
        if spec.platforms.count > 1 {
            let data = ManifestWriter.index(format: spec.format, manifests: zip(images, spec.platforms).map { ($0.manifest, $1) })
            index = Descriptor(mediaType: spec.format.index, digest: try store.put(data), size: Int64(data.count))
        }
        let top = index ?? images[0].manifest
        let baseDigests = Array(Set(base?.platforms.values.flatMap { $0.layers.map(\.digest) } ?? [])).sorted()
        let rec = BuildRecord(inputHash: fp.inputHash, digest: top.digest, mediaType: top.mediaType, images: images, index: index,
                              baseLayers: baseDigests, baseRepository: base?.reference.repository, baseRegistry: base?.reference.registry)
        try FileManager.default.createDirectory(atPath: buildsDir, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        try enc.encode(rec).write(to: URL(fileURLWithPath: "\(buildsDir)/\(fp.inputHash).json"), options: .atomic)
        try Data(fp.listingText).write(to: URL(fileURLWithPath: "\(buildsDir)/\(fp.inputHash).files"), options: .atomic)
        return rec
    }

    /// Docker and OCI gzip layers are the same bytes; only the media type differs.
    static func convert(_ mediaType: String, to format: ManifestFormat) -> String {
        if mediaType.hasSuffix("tar.gzip") || mediaType.hasSuffix("tar+gzip") { return format.gzipLayer }
        return mediaType
    }

    /// Paths added, removed or changed between two listings.
    public static func changedFiles(old: [String], new: [String]) -> [String] {
        func dict(_ l: [String]) -> [String: Substring] {
            var d: [String: Substring] = [:]
            for line in l {
                guard let tab = line.firstIndex(of: "\t") else { continue }
                d[String(line[..<tab])] = line[line.index(after: tab)...]
            }
            return d
        }
        let a = dict(old), b = dict(new)
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}
