import Foundation
import OGFCore
import OGFHTTP

/// The releases a `k8s_manifest` resource keeps in its outputs (the latest `limit`): number,
/// version label, schema version, images and the workload manifests as applied. They are what
/// automatic and manual rollbacks restore.
public enum Releases {
    public static let limit = 10

    /// A workload manifest as recorded: JSON text, kept sensitive (so state stores only its salted
    /// hash) when it holds a secret value — ogf never writes secrets to state.
    static func record(_ object: Value) -> Value {
        let text = Value.string(object.unmarked.jsonText(pretty: false))
        return object.isSensitive ? .sensitive(text) : text
    }

    /// The recorded manifests as objects, or an error naming the ones that held secrets (those
    /// were stored as hashes and cannot be re-applied).
    static func objects(_ manifests: [String: Value], release: String) throws -> [ManifestObject] {
        let withSecrets = manifests.keys.sorted().filter { manifests[$0]?.isSensitive == true }
        guard withSecrets.isEmpty else {
            throw ResourceFailure("release \(release) cannot be restored: \(withSecrets.joined(separator: ", ")) held secret values, which ogf never stores. "
                                  + "Keep secrets in a Secret object (or reference one with secretKeyRef) so workload manifests can be restored.")
        }
        return manifests.keys.sorted().compactMap { k -> ManifestObject? in
            guard let text = manifests[k]?.stringValue, let v = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) else { return nil }
            return ManifestObject(object: v, file: "state")
        }
    }

    static func appending(_ previous: Value?, number: Int, config: K8sManifestKind.Config, images: [String: Value], manifests: [String: Value],
                          color: String? = nil) -> Value {
        var entry: [String: Value] = ["release": .int(number), "images": .map(images), "manifests": .map(manifests),
                                      "applied_at": .string(ISO8601DateFormatter().string(from: Date()))]
        if let v = config.version { entry["version"] = .string(v) }
        if let s = config.schemaVersion?.unmarked, s != .null { entry["schema_version"] = s.intValue.map(Value.int) ?? s }
        if let color { entry["color"] = .string(color) }
        let list = (previous?.listValue ?? []) + [.map(entry)]
        return .list(Array(list.suffix(limit)))
    }

    /// The newest recorded release with this version label (or release number).
    public static func find(_ outputs: [String: Value], version: String) -> Value? {
        (outputs["releases"]?.listValue ?? []).reversed().first {
            $0["version"]?.stringValue == version || (Int(version) != nil && $0["release"]?.intValue == Int(version))
        }
    }

    public static func versions(_ outputs: [String: Value]) -> [String] {
        (outputs["releases"]?.listValue ?? []).compactMap { $0["version"]?.stringValue ?? $0["release"]?.intValue.map(String.init) }
    }
}

extension K8sManifestKind {
    /// Re-applies a recorded release (taking its fields back), waits for its workloads (as
    /// long as the configuration's `timeout`, failing on `max_restarts`), and answers the
    /// resource's new outputs. Used by `ogf rollback`.
    func restore(_ release: Value, prior: ResourceState, config: Config, context: KindContext,
                 progress: @escaping @Sendable (String) -> Void) async throws -> [String: Value] {
        let client = try access.client(config.cluster, context: context)
        let manifests = release["manifests"]?.mapValue ?? [:]
        let objects = try Releases.objects(manifests, release: (release["version"] ?? release["release"])?.description ?? "?")
        let discovery = Discovery(client: client)
        let applier = ObjectApplier(client: client, discovery: discovery, parallelism: parallelism)
        _ = try await applier.apply(objects, force: true)
        let waiter = config.waiter(client: client, discovery: discovery, pollInterval: pollInterval, progress: progress)
        if let failure = try await waiter.wait(objects.filter { RolloutStatus.workloadKinds.contains($0.kind) }) {
            throw ResourceFailure("the restored release did not become ready: \(failure)")
        }
        var outputs = prior.outputs
        let number = (outputs["release"]?.intValue ?? 0) + 1
        outputs["release"] = .int(number)
        outputs["images"] = release["images"] ?? .map([:])
        if release["color"] != nil { outputs["color"] = release["color"] } else { outputs["last_good"] = .map(manifests) }
        // What is live now is the restored release, not the files: the next plan says so.
        var applied = outputs["applied"]?.mapValue ?? [:]
        let versions = applier.versions.value
        for o in objects { applied[o.id] = .string(Self.digest(o, context: context) + (versions[o.id].map { " \($0)" } ?? "")) }
        outputs["applied"] = .map(applied)
        outputs["rolled_back_to"] = release["version"] ?? release["release"] ?? .null
        var entry = release.mapValue ?? [:]
        entry["release"] = .int(number)
        entry["rollback_of"] = release["release"] ?? .null
        entry["applied_at"] = .string(ISO8601DateFormatter().string(from: Date()))
        outputs["releases"] = .list(Array(((outputs["releases"]?.listValue ?? []) + [.map(entry)]).suffix(Releases.limit)))
        return outputs
    }
}

extension K8sManifestKind: RollbackableKind {
    public func recordedReleases(_ prior: ResourceState) -> [String] { Releases.versions(prior.outputs) }

    /// The workloads' images now and in the release, shown in the plan; the apply re-applies the
    /// release's recorded manifests (see `restore`).
    public func planRollback(_ request: RollbackRequest) async throws -> RollbackPlan? {
        let outputs = request.prior.outputs
        guard let release = Releases.find(outputs, version: request.version) else { return nil }
        let now = outputs["images"]?.mapValue ?? [:]
        let then = release["images"]?.mapValue ?? [:]
        var details: [String] = []
        for w in Set(now.keys).union(then.keys).sorted() where now[w] != then[w] {
            details.append("\(w): \(now[w]?.jsonText(pretty: false) ?? "none") → \(then[w]?.jsonText(pretty: false) ?? "none")")
        }
        let manifests = release["manifests"]?.mapValue ?? [:]
        let secret = manifests.keys.sorted().filter { manifests[$0]?.isSensitive == true }  // stored only as salted hashes
        var diags: [Diagnostic] = []
        if !secret.isEmpty {
            diags.append(.error("\(request.address): release \(request.version) cannot be restored: \(secret.joined(separator: ", ")) held secret values, which ogf never stores",
                                detail: "Keep secrets in a Secret object (or reference one with secretKeyRef) so workload manifests can be restored."))
        }
        let label = "release \(outputs["release"]?.intValue ?? 0) → \(release["release"]?.intValue ?? 0)" + (release["version"]?.stringValue.map { " (\($0))" } ?? "")
        let unknown = Dictionary(uniqueKeysWithValues: self.outputs.keys.map { ($0, Value.unknown) })
        return RollbackPlan(response: PlanResponse(action: .update, reasons: ["rollback: \(label)"], plannedOutputs: unknown,
                                                   details: details.isEmpty ? ["the release's images are the ones running"] : details, diagnostics: diags),
                            schemaVersion: release["schema_version"]?.intValue)
    }

    func applyRollback(_ request: ApplyRequest, _ config: Config, to version: String) async throws -> ApplyResponse {
        guard let prior = request.prior, let release = Releases.find(prior.outputs, version: version) else {
            throw ResourceFailure("no release \(version) is recorded for \(request.address)")
        }
        do {
            let outputs = try await restore(release, prior: prior, config: config, context: request.context, progress: request.progress)
            return ApplyResponse(outputs: outputs, summary: "rolled back to \(version)")
        } catch let f as ResourceFailure {
            throw ResourceFailure(f.message, outputs: f.outputs.isEmpty ? prior.outputs : f.outputs)
        }
    }
}
