import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// The plan's reason tells a changed configuration (the manifests changed since the last apply)
/// from drift (the live objects changed outside ogf), and says both when both happened.
@Suite(.tags(.medium))
struct PlanReasonTests {
    /// A project with a Deployment (and its Service) and a ConfigMap, applied once.
    func applied(_ emu: Emulator, _ ns: String) async throws -> (Project, [String: Value], ResourceState) {
        let p = try Project(emu)
        try p.write("ns.yaml", namespace(ns))
        try p.write("api.yaml", deployment("api", image: "registry/api:1", replicas: 1))
        try p.write("cfg.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {mode: fast}\n")
        let config = p.config(["ns.yaml", "api.yaml", "cfg.yaml"], namespace: ns)
        let (state, err) = await p.apply(config, prior: nil)
        try #require(err == nil, "\(err ?? "")")
        #expect(state.outputs["applied"]?.mapValue?.count == 4)
        let again = try await p.plan(config, prior: state)
        try #require(again.action == .noop, "\(again.details)")
        return (p, config, state)
    }

    @Test func editedManifestIsAConfigurationChange() async throws {
        let emu = try await Emulator()
        let (p, config, state) = try await applied(emu, "conf")
        try p.write("api.yaml", deployment("api", image: "registry/api:2", replicas: 1))
        let plan = try await p.plan(config, prior: state)
        #expect(plan.action == .update)
        #expect(plan.reasons == ["configuration changed: deployment/api"])
        #expect(plan.details.contains("~ deployment/api (configuration changed)"))
        #expect(plan.details.contains { $0.contains("spec.template.spec.containers[0].image: \"registry/api:1\" → \"registry/api:2\"") }, "\(plan.details)")
        #expect(!plan.details.contains { $0.contains("configmap") })
    }

    @Test func liveChangeIsDrift() async throws {
        let emu = try await Emulator()
        let (p, config, state) = try await applied(emu, "drift")
        try await emu.kubectl("patch", "configmap", "cfg", "-n", "drift", "--type", "merge", "-p", #"{"data":{"mode":"slow"}}"#)
        let plan = try await p.plan(config, prior: state)
        #expect(plan.action == .update)
        #expect(plan.reasons == ["changed outside ogf (drift): configmap/cfg"])
        #expect(plan.details.contains("~ configmap/cfg (changed outside ogf)"))
        #expect(plan.details.contains { $0.contains("data.mode: \"slow\" → \"fast\"") }, "\(plan.details)")
    }

    @Test func deletedOutsideOgfIsDrift() async throws {
        let emu = try await Emulator()
        let (p, config, state) = try await applied(emu, "gone")
        try await emu.kubectl("delete", "configmap", "cfg", "-n", "gone")
        let plan = try await p.plan(config, prior: state)
        #expect(plan.reasons == ["changed outside ogf (drift): configmap/cfg"])
        #expect(plan.details.contains("+ configmap/cfg (deleted outside ogf)"))
    }

    @Test func bothWhenBoth() async throws {
        let emu = try await Emulator()
        let (p, config, state) = try await applied(emu, "both")
        try p.write("api.yaml", deployment("api", image: "registry/api:2", replicas: 1))
        try await emu.kubectl("patch", "configmap", "cfg", "-n", "both", "--type", "merge", "-p", #"{"data":{"mode":"slow"}}"#)
        let plan = try await p.plan(config, prior: state)
        #expect(plan.reasons == ["configuration changed: deployment/api", "changed outside ogf (drift): configmap/cfg"])
        #expect(plan.details.contains("~ deployment/api (configuration changed)"))
        #expect(plan.details.contains("~ configmap/cfg (changed outside ogf)"))
    }

    @Test func addedAndRemovedObjectsAreConfigurationChanges() async throws {
        let emu = try await Emulator()
        let (p, _, state) = try await applied(emu, "addrm")
        try p.write("extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {k: v}\n")
        let config = p.config(["ns.yaml", "api.yaml", "extra.yaml"], namespace: "addrm")
        let plan = try await p.plan(config, prior: state)
        #expect(plan.reasons == ["configuration changed: configmap/extra, configmap/cfg"])
        #expect(plan.details.contains("+ configmap/extra"))
        #expect(plan.details.contains("- configmap/cfg (pruned)"))
    }

    /// The paths of the dry-run applies the emulator answered since the log was last cleared.
    func dryRuns(_ emu: Emulator) async throws -> [String] {
        let r = try await CurlHTTPClient().send(HTTPRequest(url: "\(emu.base)/emulator/requests"))
        let log = try JSONDecoder().decode(Value.self, from: r.body)
        return (log["requests"]?.listValue ?? []).filter { $0["query"]?.stringValue?.contains("dryRun=All") == true }.compactMap { $0["path"]?.stringValue }
    }

    @Test func untouchedObjectsNeedNoDryRun() async throws {
        let emu = try await Emulator()
        let (p, config, state) = try await applied(emu, "skip")
        try await emu.control("DELETE", "requests")
        #expect(try await p.plan(config, prior: state).action == .noop)
        // Nobody wrote the Namespace, ConfigMap or Service since ogf applied them (same manifest,
        // same resourceVersion); the Deployment's controller did (status), so it is dry-run.
        #expect(try await dryRuns(emu) == ["/apis/apps/v1/namespaces/skip/deployments/api"])

        try await emu.kubectl("patch", "configmap", "cfg", "-n", "skip", "--type", "merge", "-p", #"{"data":{"mode":"slow"}}"#)
        try await emu.control("DELETE", "requests")
        let plan = try await p.plan(config, prior: state)
        #expect(plan.reasons == ["changed outside ogf (drift): configmap/cfg"])
        #expect(try await dryRuns(emu).sorted().contains("/api/v1/namespaces/skip/configmaps/cfg"))

        // The file changed too: the object counts as a configuration change (reasons are per object).
        try p.write("cfg.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {mode: faster}\n")
        let edited = try await p.plan(config, prior: state)
        #expect(edited.reasons == ["configuration changed: configmap/cfg"])
        #expect(edited.details.contains { $0.contains("data.mode: \"slow\" → \"faster\"") }, "\(edited.details)")
    }

    @Test func reasonsNameFieldsAndShortenLongLists() {
        var d = K8sManifestKind.Diff()
        d.configChanged = ["a", "b", "c", "d", "e"]
        #expect(K8sManifestKind.reasons(d, changedFields: ["values"]) == ["configuration changed: `values`, a, b and 3 more"])
        d = K8sManifestKind.Diff()
        d.unexplained = ["deployment/api"]
        #expect(K8sManifestKind.reasons(d, changedFields: []) == ["live objects differ from the files: deployment/api"])
    }
}
