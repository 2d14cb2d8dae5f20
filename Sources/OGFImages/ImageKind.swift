import Foundation
import OGFCore
import OGFHTTP

/// `image`: an OCI image assembled without a daemon — a base (`scratch` or pulled by tag or
/// digest) plus reproducible layers from local folders — pushed to a registry by digest.
/// The plan knows the digest without pushing: unchanged inputs are a no-op from cached hashes;
/// changed inputs are built at plan time (builds are deterministic) into `.ogf-cache/images/`.
public struct ImageKind: ResourceKind {
    let http: any HTTPClient
    let helpers: any CredentialHelperRunner
    let cacheDir: String?
    /// Records planned in this process, by address and configuration: `ogf apply ENV` pushes
    /// exactly what its plan built, without listing the folders again.
    private let planned = Locked([String: BuildRecord]())

    /// `cacheDir` defaults to `<project>/.ogf-cache/images`.
    public init(http: any HTTPClient, helpers: any CredentialHelperRunner = SpawnCredentialHelperRunner(), cacheDir: String? = nil) {
        self.http = http
        self.helpers = helpers
        self.cacheDir = cacheDir
    }

    public let name = "image"
    public let role = ResourceRole.managed
    public let summary = "OCI image built without a daemon from a base and local folders, pushed to a registry by digest."
    public let schema = Schema([
        FieldSpec("repository", .string, required: true, doc: "Where to push, e.g. 127.0.0.1:5000/offgridflow/api (a tag here is pushed too)."),
        FieldSpec("tags", .list(.string), doc: "Tags to point at the image besides its digest."),
        FieldSpec("base", .string, default: "scratch", doc: "scratch, or a base image reference by tag or digest (registry/repo:tag or registry/repo@sha256:...)."),
        FieldSpec("layers", .list(.object(ImageKind.layerSchema)), doc: "Layers made from local folders, in order."),
        FieldSpec("entrypoint", .list(.string), doc: "The image's entrypoint."),
        FieldSpec("cmd", .list(.string), doc: "The image's default arguments."),
        FieldSpec("env", .map(.string), doc: "Environment variables baked into the image."),
        FieldSpec("workdir", .string, doc: "Working directory."),
        FieldSpec("user", .string, doc: "User (name or uid[:gid]) the image runs as."),
        FieldSpec("labels", .map(.string), doc: "Image labels."),
        FieldSpec("ports", .list(.string), doc: "Exposed ports: 8080, 8080/tcp or 53/udp."),
        FieldSpec("platforms", .list(.string), default: ["linux/amd64"], doc: "os/arch[/variant]; more than one pushes an image index."),
        FieldSpec("format", .oneOf(["oci", "docker"]), default: "oci", doc: "Manifest media types: OCI or Docker v2 schema 2."),
        FieldSpec("source_date_epoch", .int, doc: "Timestamp of every layer entry and of the config (default $SOURCE_DATE_EPOCH, else 0)."),
        FieldSpec("compression", .oneOf(["gzip", "zstd"]), default: "gzip", doc: "Layer compression: gzip (every registry and runtime) or zstd (OCI format only; smaller, faster; needs a runtime that reads tar+zstd)."),
        FieldSpec("compression_level", .int, default: 6, doc: "gzip or zstd level 1–9 (part of the digest)."),
        FieldSpec("chunk_size", .int, default: 0, doc: "Upload blobs larger than this many bytes in chunks (PATCH); 0 uploads in one PUT."),
        FieldSpec("builder", .list(.string), doc: "A command that builds the image instead (e.g. buildah bud ...); it must write an OCI layout to $OGF_IMAGE_OUTPUT."),
        FieldSpec("context", .string, doc: "With builder: the folder whose contents decide when to rebuild."),
    ] + RegistryAccess.fields)
    static let layerSchema = Schema([
        FieldSpec("from", .string, required: true, doc: "A local folder, relative to the project."),
        FieldSpec("to", .string, default: "/", doc: "Where its contents go in the image."),
    ])
    public let outputs = [
        "digest": "The pushed manifest (or index) digest, sha256:....",
        "ref": "repository@digest, for deployments.",
        "input_hash": "Hash of every input (files, settings, base); unchanged means no-op.",
    ]

    struct Inputs {
        var repository: ImageReference
        var spec: ImageSpec
        var base: ImageReference?
        var tags: [String]
        var chunkSize: Int64
        var builder: [String]?
        var context: String?
    }

    func inputs(_ c: Config, _ ctx: KindContext) -> Inputs {
        let repo = c.repository
        var settings = RuntimeSettings()
        settings.entrypoint = c.entrypoint
        settings.cmd = c.cmd
        settings.env = c.env ?? [:]
        settings.workdir = c.workdir
        settings.user = c.user
        settings.labels = c.labels ?? [:]
        settings.exposedPorts = c.ports ?? []
        let layers = (c.layers ?? []).map { LayerSource(from: ctx.path($0.from), to: $0.to) }
        let epoch = c.sourceDateEpoch ?? ctx.variables["SOURCE_DATE_EPOCH"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int.init) ?? 0
        let spec = ImageSpec(layers: layers, settings: settings, platforms: c.platforms, format: c.format,
                             sourceDateEpoch: epoch, compressionLevel: c.compressionLevel, compression: c.compression)
        var tags = c.tags ?? []
        if let t = repo.tag { tags.insert(t, at: 0) }
        return Inputs(repository: ImageReference(registry: repo.registry, repository: repo.repository), spec: spec, base: c.base,
                      tags: tags, chunkSize: Int64(c.chunkSize), builder: c.builder, context: c.context.map(ctx.path))
    }

    static func memoKey(_ address: ResourceAddress, _ config: [String: Value]) -> String {
        "\(address)|" + config.keys.sorted().map { "\($0)=\(config[$0]!.canonicalText)" }.joined(separator: "|")
    }

    func store(_ ctx: KindContext) -> BlobStore {
        BlobStore(root: cacheDir ?? ctx.path(".ogf-cache/images"))
    }

    // MARK: - Plan

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        guard let config = try request.decodeIfKnown(Config.self) else {
            return PlanResponse(action: request.prior == nil ? .create : .update, reasons: ["settings known after apply"],
                                plannedOutputs: ["digest": .unknown, "ref": .unknown, "input_hash": .unknown])
        }
        let inp = inputs(config, request.context)
        let access = RegistryAccess(http: http, helpers: helpers, settings: config.registry, context: request.context)
        if let builder = inp.builder { return try await BuilderImage(kind: self).plan(request, inputs: inp, builder: builder) }
        let store = store(request.context)
        let builder = ImageBuilder(store: store)
        let base = try await resolveBase(inp, access: access, store: store)
        let fp = try builder.fingerprint(inp.spec, base: base)
        let key = Self.memoKey(request.address, request.config)
        let prior = request.prior
        let priorHash = prior?.outputs["input_hash"]?.stringValue
        let priorDigest = prior?.outputs["digest"]?.stringValue
        let client = access.client(inp.repository.registry)

        if let prior, prior.status == .ready, priorHash == fp.inputHash, let pd = priorDigest.flatMap(Digest.init) {
            fp.dropKeptContents()
            guard request.refresh else { return PlanResponse(action: .noop, plannedOutputs: prior.outputs) }
            if let missing = try await missingInRegistry(client, inp, digest: pd, record: builder.cachedRecord(fp.inputHash)) {
                let rec = try await builder.cachedOrBuilt(inp.spec, fingerprint: fp, base: base)
                planned.withLock { $0[key] = rec }
                return PlanResponse(action: .update, reasons: ["the registry no longer has \(missing)"],
                                    plannedOutputs: outputs(inp, rec), details: ["digest \(rec.digest) (unchanged), push again"])
            }
            return PlanResponse(action: .noop, plannedOutputs: prior.outputs)
        }
        let rec = try await builder.cachedOrBuilt(inp.spec, fingerprint: fp, base: base)
        planned.withLock { $0[key] = rec }
        var details: [String] = []
        var reasons: [String] = []
        if let priorDigest {
            details.append(priorDigest == rec.digest.value ? "digest \(rec.digest) (unchanged)" : "digest \(priorDigest) → \(rec.digest)")
            if let old = priorHash.flatMap(builder.cachedListing) {
                let changed = ImageBuilder.changedFiles(old: old, new: fp.listing)
                if !changed.isEmpty {
                    let shown = changed.prefix(5).joined(separator: ", ")
                    details.append("\(changed.count) file\(changed.count == 1 ? "" : "s") changed: \(shown)\(changed.count > 5 ? ", …" : "")")
                    reasons.append("\(changed.count) file\(changed.count == 1 ? "" : "s") changed")
                } else if !request.changedFields.isEmpty {
                    reasons.append(contentsOf: request.changedFields.map { "\($0) changed" })
                }
            } else {
                details.append("files changed: unknown (no cached listing of the previous build on this machine)")
            }
            if prior?.status != .ready { reasons.append("the last push did not finish") }
        } else {
            details.append("digest \(rec.digest), \(fp.fileCount) files in \(inp.spec.layers.count) layer\(inp.spec.layers.count == 1 ? "" : "s")")
        }
        return PlanResponse(action: prior == nil ? .create : .update, reasons: reasons, plannedOutputs: outputs(inp, rec), details: details)
    }

    func resolveBase(_ inp: Inputs, access: RegistryAccess, store: BlobStore) async throws -> BaseImage? {
        guard let b = inp.base else { return nil }
        return try await BaseImage.resolve(b, platforms: inp.spec.platforms, client: access.client(b.registry), store: store)
    }

    /// What the registry lacks of a pushed image (its manifest or, with a cached record, a blob).
    func missingInRegistry(_ client: RegistryClient, _ inp: Inputs, digest: Digest, record: BuildRecord?) async throws -> String? {
        let repo = inp.repository.repository
        if try await client.manifestDigest(repo, reference: digest.value) == nil { return "manifest \(digest.short)" }
        for b in record?.allBlobs ?? [] where try await !client.blobExists(repo, b.digest) { return "blob \(b.digest.short)" }
        return nil
    }

    func outputs(_ inp: Inputs, _ rec: BuildRecord) -> [String: Value] {
        ["digest": .string(rec.digest.value), "ref": .string("\(inp.repository.name)@\(rec.digest)"), "input_hash": .string(rec.inputHash)]
    }

    // MARK: - Apply

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        do {
            let config = try request.decode(Config.self)
            let inp = inputs(config, request.context)
            let access = RegistryAccess(http: http, helpers: helpers, settings: config.registry, context: request.context)
            if let builder = inp.builder {
                return try await BuilderImage(kind: self).apply(request, inputs: inp, builder: builder, access: access)
            }
            let store = store(request.context)
            let builder = ImageBuilder(store: store)
            let rec: BuildRecord
            if let memo = planned.withLock({ $0[Self.memoKey(request.address, request.config)] }),
               builder.cachedRecord(memo.inputHash) == memo {
                rec = memo
            } else {
                let base = try await resolveBase(inp, access: access, store: store)
                let fp = try builder.fingerprint(inp.spec, base: base)
                if let cached = builder.cachedRecord(fp.inputHash) { rec = cached } else {
                    request.progress("building \(fp.fileCount) files")
                    rec = try await builder.cachedOrBuilt(inp.spec, fingerprint: fp, base: base)
                }
            }
            let pusher = ImagePusher(store: store, client: access.client(inp.repository.registry), access: access, chunkSize: inp.chunkSize)
            let stats = try await pusher.push(rec, to: inp.repository.repository, tags: inp.tags, progress: request.progress)
            return ApplyResponse(outputs: outputs(inp, rec), summary: "\(rec.digest.short): \(stats)")
        } catch let e as ResourceFailure {
            throw e
        } catch let d as Diagnostic {
            // A field the kind cannot use: the applier says it at the field's position.
            throw d
        } catch {
            throw ResourceFailure(request.context.redact("\(error)"))
        }
    }
}
