import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// Credentials, permissions and an API server that goes away: each test starts its own emulator.
@Suite(.tags(.medium))
struct ClusterTests {
    func gateRequest(_ emu: Emulator, kubeconfig: String? = nil) -> ApplyRequest {
        let kind = GateKubernetesKind(http: CurlHTTPClient())
        return ApplyRequest(address: ResourceAddress(kind: "gate_kubernetes", name: "cluster"),
                            config: kind.schema.withDefaults(["kubeconfig": .string(kubeconfig ?? emu.kubeconfig), "namespace": "default"]),
                            prior: nil, action: .check, context: KindContext(environment: "test", isProtected: false, projectRoot: emu.dir, variables: [:]),
                            progress: { _ in })
    }

    @Test func gatePassesWithTokenOverTLS() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let r = try await GateKubernetesKind(http: CurlHTTPClient()).apply(gateRequest(emu))
        #expect(r.outputs["server_version"] == .string("v1.32.0"))
    }

    @Test func invalidTokenIsReportedClearly() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let text = try String(contentsOfFile: emu.kubeconfig, encoding: .utf8).replacingOccurrences(of: "s3cret", with: "expired")
        let bad = emu.dir + "/bad-kubeconfig"
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        await #expect { try await GateKubernetesKind(http: CurlHTTPClient()).apply(gateRequest(emu, kubeconfig: bad)) } throws: { e in
            "\(e)".contains("invalid or expired")
        }
    }

    @Test func deniedPermissionsFailTheGate() async throws {
        let emu = try await Emulator(extra: ["--deny", "delete:deployments"])
        await #expect { try await GateKubernetesKind(http: CurlHTTPClient()).apply(gateRequest(emu)) } throws: { e in
            "\(e)".contains("may not delete deployments.apps")
        }
    }

    @Test func apiServerGoingAwayMidApply() async throws {
        let emu = try await Emulator()
        let p = try Project(emu)
        try p.write("ns.yaml", namespace("gone"))
        try p.write("api.yaml", deployment("api"))
        try await emu.control("POST", "fail-next", #"{"count": 50, "code": "drop", "path": "/apis/apps/v1/namespaces/gone/deployments"}"#)
        let (s, err) = await p.apply(p.config(["ns.yaml", "api.yaml"], namespace: "gone", values: ["image": "x:1"]), prior: nil)
        #expect(s.status == .tainted)
        #expect(err?.contains("cannot be reached") == true, "\(err ?? "")")
    }

    @Test func unreachableServerFailsTheGate() async throws {
        let emu = try await Emulator()
        await emu.stop()
        await #expect { try await GateKubernetesKind(http: CurlHTTPClient()).apply(gateRequest(emu)) } throws: { e in
            "\(e)".contains("cannot be reached")
        }
    }
}

@Suite(.tags(.small))
struct KubeconfigTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "kc-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func severalFilesFirstNameWinsAndContexts() async throws {
        let a = try write("""
        current-context: one
        clusters: [{name: c1, cluster: {server: "https://one.example:6443", certificate-authority: ca.pem}}]
        users: [{name: u1, user: {token: t1}}]
        contexts: [{name: one, context: {cluster: c1, user: u1, namespace: shop}}]
        """)
        let b = try write("""
        current-context: two
        clusters:
          - {name: c1, cluster: {server: "https://ignored"}}
          - {name: c2, cluster: {server: "https://two.example/", insecure-skip-tls-verify: true}}
        users: [{name: u2, user: {client-certificate-data: "Y2VydA==", client-key-data: "a2V5"}}]
        contexts: [{name: two, context: {cluster: c2, user: u2}}]
        """)
        let kc = try Kubeconfig.load(explicitPath: nil, variables: ["KUBECONFIG": "\(a):\(b)"])
        let one = try kc.connection(context: nil)
        #expect(one.server == "https://one.example:6443")
        #expect(one.token == "t1")
        #expect(one.namespace == "shop")
        #expect(one.caFile == (a as NSString).deletingLastPathComponent + "/ca.pem")
        let two = try kc.connection(context: "two")
        #expect(two.server == "https://two.example")
        #expect(two.insecure)
        #expect(two.namespace == "default")
        #expect(try String(contentsOfFile: two.clientCertFile!, encoding: .utf8) == "cert")
        #expect(try String(contentsOfFile: two.clientKeyFile!, encoding: .utf8) == "key")
        #expect(throws: KubernetesError.self) { try kc.connection(context: "three") }
    }

    @Test func execCredentialPlugin() async throws {
        let path = try write("""
        current-context: x
        clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
        users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: sh, args: ["-c", "echo '{\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"from-plugin\\"}}'"]}}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        let conn = try Kubeconfig.load(explicitPath: path, variables: [:]).connection(context: nil)
        #expect(conn.token == "from-plugin")
    }

    @Test func substitutionAndLabels() async throws {
        let path = try write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {image: \"${values.image}\"}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n")
        let objs = try ManifestLoader(values: ["image": "r@sha256:1"], environment: "prod", resource: "k8s_manifest.x").load(paths: [path], defaultNamespace: "n")
        #expect(objs.map(\.kind) == ["Namespace", "ConfigMap"])
        #expect(objs[1].object["data"]?["image"] == .string("r@sha256:1"))
        #expect(objs[1].namespace == "n")
        #expect(objs[0].namespace == nil)
        #expect(objs[1].object["metadata"]?["labels"]?["ogf.dev/environment"] == .string("prod"))
        #expect(throws: KubernetesError.self) {
            try ManifestLoader(values: [:], environment: "p", resource: "r").load(paths: [path], defaultNamespace: nil)
        }
    }

    @Test func rolloutStatusLikeKubectl() {
        func dep(_ status: Value, generation: Int = 2) -> Value {
            ["kind": "Deployment", "metadata": ["name": "api", "generation": .int(generation)], "spec": ["replicas": 3], "status": status]
        }
        #expect(RolloutStatus.state(of: dep(["observedGeneration": 1])) == .waiting("deployment/api: waiting for the spec update to be observed"))
        #expect(RolloutStatus.state(of: dep(["observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 1, "replicas": 3]))
            == .waiting("deployment/api: 2 of 3 updated, 1 available"))
        #expect(RolloutStatus.state(of: dep(["observedGeneration": 2, "updatedReplicas": 3, "availableReplicas": 3, "replicas": 3]))
            == .done("deployment/api: 3 of 3 updated and available"))
        let deadline = dep(["observedGeneration": 2, "conditions": [["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"]]])
        #expect(RolloutStatus.state(of: deadline) == .failed("deployment/api exceeded its progress deadline"))
    }
}
