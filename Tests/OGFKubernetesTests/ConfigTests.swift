import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// Typed configuration: a `k8s_manifest` or `gate_kubernetes` field the kind cannot use is a
/// diagnostic at that field, at plan time, before any connection to a cluster.
@Suite(.tags(.small))
struct KubernetesConfigTests {
    /// The kubeconfig does not exist: a plan that got as far as connecting would say so instead.
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/nonexistent-ogf-project", variables: ["HOME": "/nonexistent-ogf-home"])
    let manifest = K8sManifestKind(http: CurlHTTPClient())
    let gate = GateKubernetesKind(http: CurlHTTPClient())

    func request(_ kind: any ResourceKind, _ config: [String: Value]) -> PlanRequest {
        PlanRequest(address: ResourceAddress(kind: kind.name, name: "app"), config: kind.schema.withDefaults(config), prior: nil,
                    changedFields: [], refresh: true, context: ctx)
    }

    /// The diagnostic a plan throws, or nil when it planned.
    func planDiagnostic(_ kind: any ResourceKind, _ config: [String: Value]) async -> Diagnostic? {
        do {
            _ = try await kind.plan(request(kind, config))
            return nil
        } catch let d as Diagnostic {
            return d
        } catch {
            Issue.record("not a diagnostic: \(error)")
            return nil
        }
    }

    func manifestDiagnostic(_ extra: [String: Value]) async -> Diagnostic? {
        var config: [String: Value] = ["files": ["k8s/app.yaml"]]
        for (k, v) in extra { config[k] = v }
        return await planDiagnostic(manifest, config)
    }

    @Test func wrongManifestFieldsAreDiagnosticsAtTheField() async throws {
        let cases: [([String: Value], String, String)] = [
            (["files": .list([])], "files", "is empty"),
            (["files": .list(["k8s/a.yaml", ""])], "files[1]", "is empty"),
            (["strategy": "blue_green"], "strategy", "expected one of \"rolling\", \"blue-green\", got \"blue_green\" Did you mean \"blue-green\"?"),
            (["max_restarts": -1], "max_restarts", "must be 0 or more, got -1"),
            (["timeout": "0s"], "timeout", "must be more than 0s"),
            (["timeout": "soon"], "timeout", "expected a duration"),
            (["max_surge": "lots"], "max_surge", "expected a number of pods or a percentage, such as 1 or 25%, got \"lots\""),
            (["max_unavailable": "150%"], "max_unavailable", "must be at most 100%"),
            (["max_surge": 0, "max_unavailable": "0%"], "max_unavailable", "cannot be 0 when max_surge is 0"),
            (["checks": .list(["http://127.0.0.1/health"])], "checks", "is used only with strategy: blue-green"),
            (["preview_checks": .list(["http://127.0.0.1/health"])], "preview_checks", "is used only with strategy: blue-green"),
            (["keep_old": "5m"], "keep_old", "is used only with strategy: blue-green"),
            (["prune": "sometimes"], "prune", "expected true or false"),
        ]
        for (extra, field, message) in cases {
            let d = await manifestDiagnostic(extra)
            #expect(d?.field == field, "\(extra): \(String(describing: d))")
            #expect(d?.severity == .error)
            #expect(d?.summary.contains(message) == true, "\(extra): \(d?.summary ?? "no diagnostic")")
        }
    }

    @Test func blueGreenFieldsAreFineWithBlueGreen() async throws {
        let c = try ConfigDecoder.decode(K8sManifestKind.Config.self, from: manifest.schema.withDefaults([
            "files": ["k8s/app.yaml"], "strategy": "blue-green", "checks": .list(["http://x/health"]), "keep_old": "30s",
            "max_surge": "25%", "max_unavailable": 0, "kubeconfig": "", "namespace": "",
        ]))
        #expect(c.isBlueGreen)
        #expect(c.keepOld.seconds == 30)
        #expect(c.maxSurge?.value == .string("25%"))
        #expect(c.maxUnavailable?.value == .int(0))
        // The schema's defaults, not the code's, and "" is "not set".
        #expect(c.timeout.seconds == 300)
        #expect(c.maxRestarts == 3)
        #expect(c.prune && c.rollback)
        #expect(c.cluster == ClusterAccess.Settings())
    }

    @Test func valuesKnownOnlyAfterApplyDoNotHideOrFailThePlan() async throws {
        let r = try await manifest.plan(request(manifest, ["files": ["k8s/app.yaml"], "values": .map(["image": .unknown])]))
        #expect(r.reasons == ["values known after apply"])
        #expect(r.diagnostics.isEmpty)
        // ...and a wrong field is still reported while they are unknown.
        let d = await manifestDiagnostic(["values": .map(["image": .unknown]), "schema_version": .unknown, "max_restarts": -2])
        #expect(d?.field == "max_restarts")
    }

    @Test func anApplyWithAWrongFieldFailsWithTheDiagnostic() async throws {
        let req = ApplyRequest(address: ResourceAddress(kind: "k8s_manifest", name: "app"),
                               config: manifest.schema.withDefaults(["files": ["k8s/app.yaml"], "max_restarts": -1]),
                               prior: nil, action: .create, context: ctx, progress: { _ in })
        await #expect { _ = try await manifest.apply(req) } throws: { e in (e as? Diagnostic)?.field == "max_restarts" }
    }

    @Test func wrongGateFieldsAreDiagnosticsAtTheField() async throws {
        let verb = await planDiagnostic(gate, ["verbs": .list(["get", "craete"])])
        #expect(verb?.field == "verbs[1]")
        #expect(verb?.summary.contains("\"craete\" is not a Kubernetes verb. Did you mean \"create\"?") == true, "\(verb?.summary ?? "")")
        let resource = await planDiagnostic(gate, ["resources": .list(["Deployment"])])
        #expect(resource?.field == "resources[0]")
        #expect(await planDiagnostic(gate, [:]) == nil)
    }
}
