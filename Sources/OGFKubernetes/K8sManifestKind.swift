import Foundation
import OGFCore
import OGFHTTP

/// `k8s_manifest`: Kubernetes objects from YAML files, planned as a field diff against a
/// server-side dry-run apply, applied with server-side apply (field manager `ogf`), pruned when
/// they leave the files, and followed until their rollout is done. A failed rollout restores the
/// last good release recorded in state.
public struct K8sManifestKind: ResourceKind {
    let access: ClusterAccess
    /// Seconds between rollout polls.
    let pollInterval: Double
    /// Requests in flight at once (plan and apply).
    let parallelism: Int

    public init(http: any HTTPClient, pollInterval: Double = 0.25, parallelism: Int = 16) {
        access = ClusterAccess(http: http)
        self.pollInterval = pollInterval
        self.parallelism = parallelism
    }

    public let name = "k8s_manifest"
    public let role = ResourceRole.managed
    public let summary = "Kubernetes objects from YAML files: server-side apply, field diff, prune, rollout wait, automatic rollback."
    public let schema = Schema([
        FieldSpec("files", .list(.string), required: true, doc: "Manifest files (several YAML documents each), relative to the project."),
        FieldSpec("values", .map(.any), doc: "Values the files use as ${values.NAME}: image digests, variables, secrets."),
        FieldSpec("strategy", .oneOf(["rolling", "blue-green"]), default: "rolling",
                  doc: "rolling: the Deployment's own rolling update. blue-green: a second color beside the live one, checked, then the Services switch."),
        FieldSpec("preview_checks", .list(.string), doc: "blue-green: URLs that must answer 2xx through the idle color's preview Service before the switch."),
        FieldSpec("checks", .list(.string), doc: "blue-green: URLs that must answer 2xx after the switch; a failure switches back."),
        FieldSpec("keep_old", .duration, default: "0s", doc: "blue-green: how long the old color keeps running after the switch, for instant rollback."),
        FieldSpec("max_surge", .string, doc: "Rolling update maxSurge for the Deployments (e.g. 25% or 1)."),
        FieldSpec("max_unavailable", .string, doc: "Rolling update maxUnavailable for the Deployments (e.g. 0)."),
        FieldSpec("timeout", .duration, default: "5m", doc: "How long to wait for workloads to become ready (after an apply or a rollback)."),
        FieldSpec("max_restarts", .int, default: 3, doc: "Fail the rollout when a pod of the new revision restarts more often than this."),
        FieldSpec("version", .string, doc: "The release's label (e.g. ${var.release}), for `ogf rollback ENV --to VERSION`."),
        FieldSpec("schema_version", .any, doc: "The database schema version this release runs against (e.g. ${postgres_schema.app.version}); guards rollbacks."),
        FieldSpec("prune", .bool, default: true, doc: "Delete objects deployed earlier that left the files."),
        FieldSpec("rollback", .bool, default: true, doc: "Restore the last good release when the rollout fails."),
    ] + ClusterAccess.connectionFields)
    public let outputs = [
        "objects": "The objects applied, as apiVersion|kind|namespace|name.",
        "release": "The release number (counts successful applies).",
        "images": "Container images of the workloads, by workload.",
        "color": "blue-green: the live color.",
        "applied": "A salted digest of each object's manifest as last applied, by object: tells a changed configuration from drift.",
    ]

    // MARK: plan

    enum ObjectPlan: Sendable {
        case create
        case update([String])
        case same
    }

    /// Why an object differs from what the files ask for.
    enum Cause {
        /// Its manifest is not the one ogf last applied (or it is new).
        case configuration
        /// Its manifest is the one ogf last applied; the live object changed outside ogf.
        case drift
        /// No record of what was last applied.
        case unknown
    }

    /// What `diff` found: the plan lines, and which objects differ because the files changed
    /// since the last apply and which because the live objects changed outside ogf.
    struct Diff: Sendable {
        var details: [String] = []
        var configChanged: [String] = []
        var drifted: [String] = []
        /// Objects that differ with no record of what was last applied (state from before ogf
        /// recorded digests): the reason cannot be told.
        var unexplained: [String] = []
        var changed: Bool { !(configChanged.isEmpty && drifted.isEmpty && unexplained.isEmpty) }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        // A value the kind cannot use throws a diagnostic at its field, before any connection.
        guard let config = try request.decodeIfKnown(Config.self), config.valuesKnown else {
            return PlanResponse(action: request.prior == nil ? .create : .update, reasons: ["values known after apply"],
                                plannedOutputs: unknownOutputs)
        }
        guard request.refresh else { return defaultPlan(request) }
        let client: KubeClient
        let objects: [ManifestObject]
        do {
            (client, objects) = try connect(config, request.address, request.context)
        } catch {
            return PlanResponse(action: .update, diagnostics: [.error("\(request.address): \(error)")])
        }
        let discovery = Discovery(client: client)
        var result = Diff()
        var changed = false
        do {
            if config.isBlueGreen {
                let live = request.prior?.outputs["color"]?.stringValue
                // Nothing to release when the live color already matches the files.
                var liveDiff: Diff?
                if let live {
                    let d = try await diff(BlueGreen.desired(objects, color: live), client: client, discovery: discovery, prior: request.prior, context: request.context)
                    if !d.changed { result = d } else { changed = true; liveDiff = d }
                }
                if live == nil || changed {
                    let idle = BlueGreen.other(live)
                    result = try await diff(BlueGreen.desired(objects, color: idle), client: client, discovery: discovery, prior: request.prior, context: request.context)
                    result.details.insert("blue-green: deploy \(idle) beside \(live ?? "nothing"), check it, switch the Services to it"
                                          + (live == nil ? "" : ", then scale \(live!) down"), at: 0)
                    // Why a release is needed is how the live color differs from the files.
                    if let liveDiff {
                        (result.configChanged, result.drifted, result.unexplained) = (liveDiff.configChanged, liveDiff.drifted, liveDiff.unexplained)
                    }
                    changed = true
                }
            } else {
                result = try await diff(objects, client: client, discovery: discovery, prior: request.prior, context: request.context)
                changed = result.changed
            }
            if config.prune {
                let keep = config.isBlueGreen ? BlueGreen.allColors(objects) : objects
                for id in pruned(prior: request.prior, current: keep) {
                    let res = try await discovery.resource(apiVersion: id.apiVersion, kind: id.kind)
                    if try await client.get(res.path(namespace: res.namespaced ? id.namespace : nil, name: id.name)) != nil {
                        result.details.append("- \(id.display) (pruned)")
                        result.configChanged.append(id.display)
                        changed = true
                    }
                }
            }
        } catch {
            return PlanResponse(action: .update, diagnostics: [.error("\(request.address): \(ClusterAccess.describe(error, server: client.connection.server))")])
        }
        if let prior = request.prior, prior.status != .ready {
            return PlanResponse(action: .update, reasons: ["the last apply failed"], plannedOutputs: unknownOutputs, details: result.details)
        }
        guard changed || request.prior == nil else {
            return PlanResponse(action: .noop, plannedOutputs: request.prior?.outputs ?? [:])
        }
        let reasons = request.prior == nil ? [] : Self.reasons(result, changedFields: request.changedFields)
        return PlanResponse(action: request.prior == nil ? .create : .update, reasons: reasons, plannedOutputs: unknownOutputs, details: result.details)
    }

    /// The header's reasons: "configuration changed" when the manifests (or the resource's fields)
    /// changed since the last apply, "changed outside ogf (drift)" when live objects differ from
    /// what ogf last applied — both when both, each naming its objects.
    static func reasons(_ d: Diff, changedFields: [String]) -> [String] {
        func names(_ xs: [String]) -> String {
            xs.count <= 4 ? xs.joined(separator: ", ") : xs.prefix(3).joined(separator: ", ") + " and \(xs.count - 3) more"
        }
        var out: [String] = []
        let fields = changedFields.sorted().map { "`\($0)`" }
        if !d.configChanged.isEmpty || !fields.isEmpty {
            out.append("configuration changed: " + names(fields + d.configChanged))
        }
        if !d.drifted.isEmpty { out.append("changed outside ogf (drift): " + names(d.drifted)) }
        if !d.unexplained.isEmpty, d.configChanged.isEmpty, d.drifted.isEmpty, fields.isEmpty {
            out.append("live objects differ from the files: " + names(d.unexplained))
        }
        return out
    }

    /// A digest of the manifest ogf applies for an object: salted with the state's secret salt
    /// (manifests may hold secrets), short, stable across runs of one state.
    static func digest(_ o: ManifestObject, context: KindContext) -> String {
        let text = o.object.unmarked.canonicalText
        let salted = context.hashSecret(text)
        let hex = salted.isEmpty ? ContentHash.sha256(text) : String(salted.split(separator: ":").last ?? "")
        return String(hex.prefix(16))
    }

    /// The `applied` output, by object: `DIGEST RESOURCEVERSION`, the manifest's digest and the
    /// live object's resourceVersion right after ogf applied it (when the server answered one).
    static func appliedDigests(_ objects: [ManifestObject], context: KindContext, versions: [String: String]) -> Value {
        .map(Dictionary(objects.map { o in
            (o.id, Value.string(digest(o, context: context) + (versions[o.id].map { " \($0)" } ?? "")))
        }, uniquingKeysWith: { a, _ in a }))
    }

    /// The plan lines for `objects` against the cluster, and why each object would change.
    func diff(_ objects: [ManifestObject], client: KubeClient, discovery: Discovery, prior: ResourceState?, context: KindContext) async throws -> Diff {
        let force = context.options[ForceConflictsOption.self]
        // One LIST per kind and namespace instead of a GET per object.
        let resources = try await concurrentMap(objects, limit: parallelism) { o in
            try await discovery.resource(of: o)
        }
        let collections = Array(Set(zip(objects, resources).map { o, r in r.collectionPath(namespace: r.namespaced ? o.namespace : nil) }))
        let listed = try await concurrentMap(collections, limit: parallelism) { path -> [String: Value] in
            let items: [Value]
            do { items = try await client.request("GET", path)["items"]?.listValue ?? [] } catch let e as KubeAPIError where e.isNotFound { items = [] }
            var byName: [String: Value] = [:]
            for item in items { if let n = item["metadata"]?["name"]?.stringValue { byName[n] = item } }
            return byName
        }
        let live = Dictionary(uniqueKeysWithValues: zip(collections, listed))
        let applied = prior?.outputs["applied"]?.mapValue
        let digests = objects.map { Self.digest($0, context: context) }
        let plans = try await concurrentMap(Array(zip(zip(objects, resources), digests)), limit: parallelism) { item, digest -> (ObjectPlan, String?) in
            let (o, res) = item
            let path = res.path(namespace: res.namespaced ? o.namespace : nil, name: o.name)
            // A new object has nothing to diff against.
            guard let live = live[res.collectionPath(namespace: res.namespaced ? o.namespace : nil)]?[o.name] else { return (.create, nil) }
            // The manifest is the one ogf applied last and nobody wrote the object since (its
            // resourceVersion is the one that apply left): a dry-run would answer what is live.
            if let rv = live["metadata"]?["resourceVersion"]?.stringValue, applied?[o.id]?.stringValue == "\(digest) \(rv)" {
                return (.same, nil)
            }
            var conflict: String?
            var planned: Value
            do {
                planned = try await client.apply(o.object, at: path, force: force, dryRun: true)
            } catch let e as KubeAPIError where e.isConflict {
                conflict = e.message
                planned = try await client.apply(o.object, at: path, force: true, dryRun: true)
            }
            let lines = ObjectDiff.lines(live: live, planned: planned, sensitive: o.kind == "Secret", secrets: ObjectDiff.secretTexts(o.object))
            return (lines.isEmpty ? .same : .update(lines), conflict)
        }
        let before = Set((prior?.outputs["objects"]?.listValue ?? []).compactMap(\.stringValue))
        var d = Diff()
        for ((o, digest), (p, conflict)) in zip(zip(objects, digests), plans) {
            let shown = ObjectID(apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name).display
            // The files changed for this object when its manifest is not the one last applied.
            let why: Cause
            if prior == nil || !before.contains(o.id) {
                why = .configuration
            } else if let applied {
                let recorded = applied[o.id]?.stringValue?.split(separator: " ").first.map(String.init)
                why = recorded == digest ? .drift : .configuration
            } else {
                why = .unknown
            }
            func note(_ shown: String) {
                switch why {
                case .configuration: d.configChanged.append(shown)
                case .drift: d.drifted.append(shown)
                case .unknown: d.unexplained.append(shown)
                }
            }
            switch p {
            case .create:
                d.details.append("+ \(shown)" + (why == .drift ? " (deleted outside ogf)" : ""))
                note(shown)
            case .update(let lines):
                let label = prior == nil ? nil : why == .configuration ? "configuration changed" : why == .drift ? "changed outside ogf" : nil
                d.details.append("~ \(shown)" + (label.map { " (\($0))" } ?? ""))
                d.details += lines.map { "    " + context.redact($0) }
                note(shown)
            case .same: break
            }
            if let conflict {
                d.details.append("    ! field-manager conflict: \(conflict); apply with --force-conflicts to take these fields over")
            }
        }
        return d
    }

    var unknownOutputs: [String: Value] { Dictionary(uniqueKeysWithValues: outputs.keys.map { ($0, Value.unknown) }) }

    /// The client for the resource's cluster and its objects, namespaced and labelled.
    func connect(_ config: Config, _ address: ResourceAddress, _ context: KindContext) throws -> (KubeClient, [ManifestObject]) {
        let client = try access.client(config.cluster, context: context)
        return (client, try load(config, address, context, namespace: client.connection.namespace))
    }

    func load(_ config: Config, _ address: ResourceAddress, _ context: KindContext, namespace: String) throws -> [ManifestObject] {
        let loader = ManifestLoader(values: config.values?.mapValue ?? [:], environment: context.environment, resource: address.description)
        var objects = try loader.load(paths: config.files.map(context.path), defaultNamespace: config.cluster.namespace ?? namespace)
        let surge = config.maxSurge, unavailable = config.maxUnavailable
        if surge != nil || unavailable != nil {
            for i in objects.indices where objects[i].kind == "Deployment" {
                var ru: [String: Value] = [:]
                if let surge { ru["maxSurge"] = surge.value }
                if let unavailable { ru["maxUnavailable"] = unavailable.value }
                objects[i].object = Self.setting(objects[i].object, ["spec", "strategy"], .map(["type": "RollingUpdate", "rollingUpdate": .map(ru)]))
            }
        }
        return objects
    }

    static func setting(_ v: Value, _ path: [String], _ new: Value) -> Value {
        guard let first = path.first else { return new }
        var m = v.mapValue ?? [:]
        m[first] = setting(m[first] ?? .map([:]), Array(path.dropFirst()), new)
        return .map(m)
    }

    func pruned(prior: ResourceState?, current: [ManifestObject]) -> [ObjectID] {
        let now = Set(current.map(\.id))
        return (prior?.outputs["objects"]?.listValue ?? []).compactMap(\.stringValue).filter { !now.contains($0) }.compactMap(ObjectID.init(text:))
    }

    // MARK: apply

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let config = try request.decode(Config.self)
        if case .rollback(let version, _) = request.mode { return try await applyRollback(request, config, to: version) }
        let client: KubeClient
        let objects: [ManifestObject]
        do {
            (client, objects) = try connect(config, request.address, request.context)
        } catch {
            throw ResourceFailure("\(error)", outputs: request.prior?.outputs ?? [:])
        }
        let server = client.connection.server
        let keep = request.prior?.outputs ?? [:]
        let discovery = Discovery(client: client)
        let applier = ObjectApplier(client: client, discovery: discovery, parallelism: parallelism)
        let waiter = config.waiter(client: client, discovery: discovery, pollInterval: pollInterval, progress: request.progress)
        if config.isBlueGreen {
            return try await blueGreen(request, config, objects: objects, waiter: waiter, client: client, applier: applier)
        }
        do {
            let conflicts = try await applier.apply(objects, force: request.context.options[ForceConflictsOption.self])
            if !conflicts.isEmpty {
                throw ResourceFailure("field-manager conflict: another manager owns fields ogf applies:\n  " + conflicts.joined(separator: "\n  ")
                    + "\nRun again with --force-conflicts to take these fields over, or stop the other manager changing them.", outputs: keep)
            }
            if config.prune {
                try await applier.delete(pruned(prior: request.prior, current: objects))
            }
        } catch let f as ResourceFailure {
            throw f
        } catch {
            throw ResourceFailure(request.context.redact(ClusterAccess.describe(error, server: server)), outputs: keep)
        }

        let workloads = objects.filter { RolloutStatus.workloadKinds.contains($0.kind) }
        let release = (request.prior?.outputs["release"]?.intValue ?? 0)
        let failure: String?
        do {
            failure = try await waiter.wait(workloads)
        } catch {
            throw ResourceFailure(request.context.redact(ClusterAccess.describe(error, server: server)), outputs: keep)
        }
        if let failure {
            var message = "rollout failed: \(failure)"
            var outputs = keep
            outputs["failed_release"] = .int(release + 1)
            if config.rollback, let last = request.prior?.outputs["last_good"]?.mapValue, !last.isEmpty {
                request.progress("rolling back to release \(release)")
                do {
                    let restore = try Releases.objects(last, release: String(release))
                    _ = try await applier.apply(restore, force: true)
                    if let again = try await waiter.wait(restore.filter { RolloutStatus.workloadKinds.contains($0.kind) }) {
                        message += "\nautomatic rollback to release \(release) did not become ready either: \(again)"
                    } else {
                        message += "\nrolled back automatically to release \(release) (its manifests and images are live and ready again)"
                        outputs["rolled_back_to"] = .int(release)
                    }
                } catch {
                    message += "\nautomatic rollback to release \(release) failed: \(ClusterAccess.describe(error, server: server))"
                }
                message += "\nschema changes are not reverted automatically"
            } else if config.rollback {
                message += "\nno earlier good release is recorded, so there is nothing to roll back to"
            }
            throw ResourceFailure(message, outputs: outputs)
        }

        var lastGood: [String: Value] = [:]
        var images: [String: Value] = [:]
        for w in workloads {
            lastGood[w.id] = Releases.record(w.object)
            let containers = w.object["spec"]?["template"]?["spec"]?["containers"]?.listValue ?? []
            images[ObjectID(apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name).display] =
                .list(containers.compactMap { $0["image"] })
        }
        // The release's ConfigMaps go back with its workloads (a release's config, such as a fault
        // switch, belongs to it). Not Secrets, and not a ConfigMap holding a secret value: ogf never
        // stores those, so they stay as they are on a rollback.
        for o in objects where o.kind == "ConfigMap" && !o.object.isSensitive {
            lastGood[o.id] = Releases.record(o.object)
        }
        var outputs: [String: Value] = [
            "objects": .list(objects.map { .string($0.id) }),
            "release": .int(release + 1),
            "images": .map(images),
            "last_good": .map(lastGood),
            "applied": Self.appliedDigests(objects, context: request.context, versions: applier.versions.value),
        ]
        outputs["releases"] = Releases.appending(request.prior?.outputs["releases"], number: release + 1, config: config, images: images, manifests: lastGood)
        return ApplyResponse(outputs: outputs, summary: "\(objects.count) object\(objects.count == 1 ? "" : "s") applied" + (workloads.isEmpty ? "" : ", \(workloads.count) rolled out"))
    }

    func blueGreen(_ request: ApplyRequest, _ config: Config, objects: [ManifestObject], waiter: RolloutWaiter, client: KubeClient,
                   applier: ObjectApplier) async throws -> ApplyResponse {
        var outputs = request.prior?.outputs ?? [:]
        let live = outputs["color"]?.stringValue
        let release = BlueGreenRelease(client: client, applier: applier, waiter: waiter, http: access.http,
                                       force: request.context.options[ForceConflictsOption.self],
                                       keepOld: config.keepOld.seconds, progress: request.progress)
        let failure: String?
        do {
            failure = try await release.run(objects, live: live, previewChecks: config.previewChecks, checks: config.checks)
            if failure == nil, config.prune {
                try await applier.delete(pruned(prior: request.prior, current: BlueGreen.allColors(objects)))
            }
        } catch var f as ResourceFailure {
            f.outputs = outputs
            throw f
        } catch {
            throw ResourceFailure(request.context.redact(ClusterAccess.describe(error, server: client.connection.server)), outputs: outputs)
        }
        let number = outputs["release"]?.intValue ?? 0
        if let failure {
            outputs["failed_release"] = .int(number + 1)
            throw ResourceFailure("blue-green release failed: \(failure)\nschema changes are not reverted automatically", outputs: outputs)
        }
        let idle = BlueGreen.other(live)
        let colored = BlueGreen.desired(objects, color: idle)
        let known = Set(colored.map(\.id))
        let previous = (request.prior?.outputs["objects"]?.listValue ?? []).compactMap(\.stringValue)
        let kept = BlueGreen.allColors(objects).map(\.id).filter { previous.contains($0) && !known.contains($0) }
        var images: [String: Value] = [:]
        for w in colored where w.kind == "Deployment" {
            images["deployment/\(w.name)"] = .list((w.object["spec"]?["template"]?["spec"]?["containers"]?.listValue ?? []).compactMap { $0["image"] })
        }
        let previousReleases = outputs["releases"]
        var manifests: [String: Value] = [:]
        for o in colored where o.kind == "Deployment" || BlueGreen.isLiveService(o) { manifests[o.id] = Releases.record(o.object) }
        outputs = ["objects": .list((colored.map(\.id) + kept).map(Value.string)), "release": .int(number + 1), "color": .string(idle), "images": .map(images),
                   "applied": Self.appliedDigests(colored, context: request.context, versions: applier.versions.value)]
        outputs["releases"] = Releases.appending(previousReleases, number: number + 1, config: config, images: images, manifests: manifests, color: idle)
        return ApplyResponse(outputs: outputs, summary: "\(idle) is live" + (live.map { " (was \($0), scaled down)" } ?? ""))
    }

    public func destroy(_ request: DestroyRequest) async throws {
        // The cluster the objects were applied to, as recorded (the files may name no resource now).
        let client = try access.client(ConfigDecoder.decode(ClusterAccess.Settings.self, from: request.prior.attributes), context: request.context)
        let ids = (request.prior.outputs["objects"]?.listValue ?? []).compactMap(\.stringValue).compactMap(ObjectID.init(text:))
        try await ObjectApplier(client: client, discovery: Discovery(client: client), parallelism: parallelism).delete(ids.reversed())
    }
}

extension K8sManifestKind: ValidatingKind {
    /// `ogf validate`: the manifest files parse, every object has apiVersion, kind and
    /// metadata.name, and every `${values.X}` is set — without a server. Values not known without
    /// the environment (secrets, outputs) stand in as placeholders.
    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] {
        // A wrong field is the plan's to report, at its position.
        guard let sources = try? ConfigDecoder.decodeIfKnown(ManifestSources.self, from: config) else { return [] }
        let values = sources.values?.mapValue
        let loader = ManifestLoader(values: values ?? [:], environment: context.environment, resource: "")
        return loader.check(paths: sources.files.map(context.path), valuesKnown: values != nil)
    }
}
