import Crypto
import Foundation
import OGFCore

/// `image` with `builder:`: an external tool (buildah, docker buildx, kaniko) builds the image
/// into an OCI layout at `$OGF_IMAGE_OUTPUT`; ogf pushes it. The tool is looked up on PATH at
/// plan time, with a clear error when it is not installed. The digest is known after apply only.
struct BuilderImage {
    let kind: ImageKind

    static func locate(_ exe: String, path: String) -> String? {
        if exe.contains("/") { return FileManager.default.isExecutableFile(atPath: exe) ? exe : nil }
        return path.split(separator: ":").map { "\($0)/\(exe)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func check(_ builder: [String], _ ctx: KindContext) throws -> String {
        guard let exe = builder.first else { throw ImageError("builder is empty: give a command such as [buildah, bud, -t, x, .]") }
        let path = ctx.variables["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let full = Self.locate(exe, path: path) else {
            throw ImageError("builder \"\(exe)\" is not installed (not found on PATH): install it, or build the image from layers: without builder:")
        }
        return full
    }

    func inputHash(_ inp: ImageKind.Inputs, builder: [String], store: BlobStore) throws -> String {
        var spec = inp.spec
        spec.layers = inp.context.map { [LayerSource(from: $0, to: "/")] } ?? []
        spec.settings.labels["ogf.builder"] = builder.joined(separator: " ")
        return try ImageBuilder(store: store, keepBytes: 0).fingerprint(spec, base: nil).inputHash
    }

    func plan(_ request: PlanRequest, inputs inp: ImageKind.Inputs, builder: [String]) async throws -> PlanResponse {
        _ = try check(builder, request.context)
        let hash = try inputHash(inp, builder: builder, store: kind.store(request.context))
        if let prior = request.prior, prior.status == .ready, prior.outputs["input_hash"]?.stringValue == hash {
            return PlanResponse(action: .noop, plannedOutputs: prior.outputs)
        }
        return PlanResponse(action: request.prior == nil ? .create : .update, reasons: request.prior == nil ? [] : ["builder inputs changed"],
                            plannedOutputs: ["digest": .unknown, "ref": .unknown, "input_hash": .string(hash)],
                            details: ["built by \(builder[0]); the digest is known after apply"])
    }

    func apply(_ request: ApplyRequest, inputs inp: ImageKind.Inputs, builder: [String], access: RegistryAccess) async throws -> ApplyResponse {
        let exe = try check(builder, request.context)
        let store = kind.store(request.context)
        let hash = try inputHash(inp, builder: builder, store: store)
        let out = NSTemporaryDirectory() + "ogf-image-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var env = ProcessInfo.processInfo.environment
        env.merge(request.context.variables) { $1 }
        env["OGF_IMAGE_OUTPUT"] = out
        request.progress("running \(builder[0])")
        let (status, o, e) = try await CommandRunner.run([exe] + builder.dropFirst(), directory: inp.context ?? request.context.projectRoot, environment: env)
        guard status == 0 else {
            let tail = String(decoding: (o + e).suffix(2000), as: UTF8.self)
            throw ResourceFailure("builder \(builder[0]) exited \(status): \(request.context.redact(tail))")
        }
        let rec = try Self.importLayout(out, store: store, inputHash: hash)
        let pusher = ImagePusher(store: store, client: access.client(inp.repository.registry), access: access, chunkSize: inp.chunkSize)
        let stats = try await pusher.push(rec, to: inp.repository.repository, tags: inp.tags, progress: request.progress)
        return ApplyResponse(outputs: kind.outputs(inp, rec), summary: "\(rec.digest.short): \(stats)")
    }

    /// Reads the first image of an OCI layout into the store as a build record.
    static func importLayout(_ dir: String, store: BlobStore, inputHash: String) throws -> BuildRecord {
        guard let idxData = FileManager.default.contents(atPath: dir + "/index.json"), let idx = CanonicalJSON.decode(idxData),
              let first = (idx["manifests"] as? [[String: Any]])?.first, let ds = first["digest"] as? String, let d = Digest(ds) else {
            throw ImageError("the builder did not write an OCI layout (index.json) to $OGF_IMAGE_OUTPUT")
        }
        func blob(_ d: Digest) throws -> Data {
            guard let data = FileManager.default.contents(atPath: "\(dir)/blobs/sha256/\(d.hex)") else { throw ImageError("the OCI layout lacks blob \(d.short)") }
            try store.put(data)
            return data
        }
        let mdata = try blob(d)
        guard let m = CanonicalJSON.decode(mdata), let cfg = m["config"] as? [String: Any] else { throw ImageError("manifest \(d.short) is not an image manifest") }
        func desc(_ o: [String: Any]) throws -> Descriptor {
            guard let s = o["digest"] as? String, let dd = Digest(s) else { throw ImageError("a descriptor in the OCI layout has no digest") }
            return Descriptor(mediaType: o["mediaType"] as? String ?? "", digest: dd, size: (o["size"] as? NSNumber)?.int64Value ?? 0)
        }
        let config = try desc(cfg)
        _ = try blob(config.digest)
        let layers = try (m["layers"] as? [[String: Any]] ?? []).map(desc)
        for l in layers { _ = try blob(l.digest) }
        let mt = m["mediaType"] as? String ?? ManifestFormat.oci.manifest
        let img = BuildRecord.PlatformImage(platform: "", manifest: Descriptor(mediaType: mt, digest: d, size: Int64(mdata.count)), config: config, layers: layers)
        return BuildRecord(inputHash: inputHash, digest: d, mediaType: mt, images: [img], index: nil, baseLayers: [], baseRepository: nil, baseRegistry: nil)
    }
}
