import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// One emulator for this suite; every test works in its own namespace.
private let shared = Task { try await Emulator() }

@Suite(.tags(.medium))
struct ManifestTests {
    let emu: Emulator
    let p: Project
    let ns = "t-" + UUID().uuidString.prefix(8).lowercased()

    init() async throws {
        emu = try await shared.value
        p = try Project(emu)
        try p.write("ns.yaml", namespace(ns))
    }

    @Test func createThenNoopThenUpdate() async throws {
        try p.write("api.yaml", deployment("api"))
        let c1 = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "registry.local/api@sha256:aaa"])
        let plan1 = try await p.plan(c1, prior: nil)
        #expect(plan1.action == .create)
        #expect(plan1.details.contains("+ deployment/api"))
        let progress = Locked<[String]>([])
        let (s1, err1) = await p.apply(c1, prior: nil, progress: progress)
        #expect(err1 == nil)
        #expect(progress.withLock { $0 }.contains { $0.contains("deployment/api:") && $0.contains("updated") })
        // kubectl reads back what ogf applied, with ogf's labels and field manager.
        let image = try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        #expect(image == "registry.local/api@sha256:aaa")
        let labels = try await emu.kubectl("-n", ns, "get", "service", "api", "-o", "jsonpath={.metadata.labels}")
        #expect(labels.contains("\"app.kubernetes.io/managed-by\":\"ogf\""))
        let managers = try await emu.kubectl("-n", ns, "get", "deployment", "api", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")
        #expect(managers.contains("ogf"))

        let plan2 = try await p.plan(c1, prior: s1)
        #expect(plan2.action == .noop, "details: \(plan2.details)")

        let c2 = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "registry.local/api@sha256:bbb"])
        let plan3 = try await p.plan(c2, prior: s1)
        #expect(plan3.action == .update)
        #expect(plan3.details.contains("    ~ spec.template.spec.containers[0].image: \"registry.local/api@sha256:aaa\" → \"registry.local/api@sha256:bbb\""))
        let (s3, err3) = await p.apply(c2, prior: s1)
        #expect(err3 == nil)
        #expect(s3.outputs["release"] == .int(2))
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "registry.local/api@sha256:bbb")
    }

    @Test func pruneRemovedObjects() async throws {
        try p.write("api.yaml", deployment("api"))
        try p.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n")
        let c1 = p.config(["ns.yaml", "api.yaml", "cm.yaml"], namespace: ns, values: ["image": "x:1"])
        let (s1, err) = await p.apply(c1, prior: nil)
        #expect(err == nil)
        let c2 = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1"])
        let plan = try await p.plan(c2, prior: s1)
        #expect(plan.action == .update)
        #expect(plan.details.contains("- configmap/settings (pruned)"))
        let (_, err2) = await p.apply(c2, prior: s1)
        #expect(err2 == nil)
        #expect(try await emu.kubectl("-n", ns, "get", "configmaps", "-o", "name").contains("settings") == false)
    }

    @Test func destroyDeletesEveryObject() async throws {
        try p.write("api.yaml", deployment("api"))
        let c = p.config(["api.yaml"], namespace: ns, values: ["image": "x:1"])
        try await emu.kubectl("create", "namespace", ns)
        let (s, err) = await p.apply(c, prior: nil)
        #expect(err == nil)
        try await K8sManifestKind(http: CurlHTTPClient()).destroy(DestroyRequest(address: ResourceAddress(kind: "k8s_manifest", name: "app"), prior: s, context: p.context()))
        #expect(try await emu.kubectl("-n", ns, "get", "deployments,services", "-o", "name").isEmpty)
    }

    @Test func driftShowsAndConflictNeedsForce() async throws {
        try p.write("api.yaml", deployment("api"))
        let c = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1"])
        let (s1, _) = await p.apply(c, prior: nil)
        try await emu.kubectl("-n", ns, "set", "image", "deployment/api", "api=x:evil")
        let plan = try await p.plan(c, prior: s1)
        #expect(plan.action == .update)
        #expect(plan.reasons == ["changed outside ogf (drift): deployment/api"])
        #expect(plan.details.contains("~ deployment/api (changed outside ogf)"))
        #expect(plan.details.contains("    ~ spec.template.spec.containers[0].image: \"x:evil\" → \"x:1\""))
        #expect(plan.details.contains { $0.contains("field-manager conflict") && $0.contains("kubectl-set") })

        let (failed, err) = await p.apply(c, prior: s1)
        #expect(failed.status == .tainted)
        #expect(err?.contains("--force-conflicts") == true)
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "x:evil")

        let (_, err2) = await p.apply(c, prior: failed, force: true)
        #expect(err2 == nil)
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "x:1")
    }

    @Test func secretDataIsNeverShown() async throws {
        try p.write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: \"${values.password}\"\n")
        let c1 = p.config(["ns.yaml", "secret.yaml"], namespace: ns, values: ["password": .sensitive("hunter2-old")])
        let (s1, err) = await p.apply(c1, prior: nil)
        #expect(err == nil)
        let c2 = p.config(["ns.yaml", "secret.yaml"], namespace: ns, values: ["password": .sensitive("hunter2-new")])
        let plan = try await p.plan(c2, prior: s1)
        #expect(plan.action == .update)
        #expect(plan.details.contains("    ~ data.password: (sensitive) → (sensitive)"))
        let all = plan.details.joined(separator: "\n")
        #expect(!all.contains("hunter2"))
        #expect(!all.contains(Data("hunter2-new".utf8).base64EncodedString()))
    }

    /// A secret written straight into a workload (not a Secret object) is sent to the API but
    /// never shown, and never stored: state keeps a hash, so that release cannot be restored
    /// automatically — and ogf says why instead of re-applying a masked value.
    @Test func secretsInlinedInWorkloadsAreNeitherShownNorStored() async throws {
        let inline = deployment("api").replacingOccurrences(of: "          image: \"${values.image}\"",
                                                            with: "          image: \"${values.image}\"\n          env: [{name: TOKEN, value: \"tok-${values.token}\"}]")
        try p.write("api.yaml", inline)
        let hasher = SecretHasher(salt: [7, 7, 7])
        let c1 = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1", "token": .sensitive("s3cr3t-token-1")])
        let (s1, err) = await p.apply(c1, prior: nil)
        #expect(err == nil)
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}") == "tok-s3cr3t-token-1")
        let stored = Value.map(s1.outputs).redacted(with: hasher)
        #expect(!stored.jsonText().contains("s3cr3t-token-1"))

        let c2 = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1", "token": .sensitive("s3cr3t-token-2")])
        let plan = try await p.plan(c2, prior: s1)
        #expect(!plan.details.joined(separator: "\n").contains("s3cr3t-token"))

        // The engine records redacted outputs; a failed rollout then cannot restore that release.
        var recorded = s1
        recorded.outputs = stored.mapValue ?? [:]
        try p.write("api.yaml", inline.replacingOccurrences(of: "annotations: {}", with: "annotations: {emulator.ogf/fail: crashloop}"))
        let (_, failure) = await p.apply(c2, prior: recorded)
        #expect(failure?.contains("cannot be restored") == true)
        #expect(failure?.contains("held secret values, which ogf never stores") == true)
        #expect(failure?.contains("s3cr3t") == false)
    }

    @Test func failedRolloutRollsBackAutomatically() async throws {
        try p.write("api.yaml", deployment("api"))
        let good = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1"])
        let (s1, _) = await p.apply(good, prior: nil)
        try p.write("api.yaml", deployment("api", annotations: "{emulator.ogf/fail: crashloop}"))
        let bad = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:2"])
        let (s2, err) = await p.apply(bad, prior: s1)
        #expect(s2.status == .tainted)
        let message = try #require(err)
        #expect(message.contains("rollout failed"))
        #expect(message.contains("CrashLoopBackOff") || message.contains("restarted"))
        #expect(message.contains("rolled back automatically to release 1"))
        #expect(message.contains("schema changes are not reverted"))
        #expect(s2.outputs["failed_release"] == .int(2))
        #expect(s2.outputs["rolled_back_to"] == .int(1))
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "x:1")
        #expect(try await emu.kubectl("-n", ns, "rollout", "status", "deployment/api", "--timeout=10s").contains("successfully rolled out"))
    }

    @Test func progressDeadlineFails() async throws {
        try p.write("api.yaml", deployment("api", annotations: "{emulator.ogf/fail: progress-deadline}"))
        let c = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1"])
        let (s, err) = await p.apply(c, prior: nil)
        #expect(s.status == .tainted)
        #expect(err?.contains("exceeded its progress deadline") == true)
        #expect(err?.contains("nothing to roll back to") == true)
    }

    @Test func rollingUpdateSettingsReachTheDeployment() async throws {
        try p.write("api.yaml", deployment("api"))
        let c = p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": "x:1"], extra: ["max_surge": "1", "max_unavailable": "0"])
        let (_, err) = await p.apply(c, prior: nil)
        #expect(err == nil)
        #expect(try await emu.kubectl("-n", ns, "get", "deployment", "api", "-o", "jsonpath={.spec.strategy.rollingUpdate.maxSurge}/{.spec.strategy.rollingUpdate.maxUnavailable}") == "1/0")
    }
}
