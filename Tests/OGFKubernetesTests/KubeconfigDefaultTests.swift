import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// `kubeconfig: ""` (what the blueprint writes for production) means "not set": $KUBECONFIG
/// (several files, colon-separated), else $HOME/.kube/config — never the project folder.
@Suite(.tags(.small))
struct KubeconfigDefaultTests {
    let dir = NSTemporaryDirectory() + "ogf-kc-\(UUID().uuidString.prefix(8))"

    func kubeconfig(_ name: String, server: String, context: String, current: Bool = true) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try """
        \(current ? "current-context: \(context)" : "")
        clusters: [{name: \(context), cluster: {server: "\(server)"}}]
        users: [{name: \(context), user: {token: t-\(context)}}]
        contexts: [{name: \(context), context: {cluster: \(context), user: \(context), namespace: ns-\(context)}}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func connection(_ kubeconfig: String, _ variables: [String: String], context: String? = nil) throws -> ClusterConnection {
        let ctx = KindContext(environment: "production", isProtected: true, projectRoot: dir + "/project", variables: variables)
        var config: [String: Value] = ["kubeconfig": .string(kubeconfig)]
        if let context { config["context"] = .string(context) }
        let settings = try ConfigDecoder.decode(ClusterAccess.Settings.self, from: config)
        return try ClusterAccess(http: CurlHTTPClient()).client(settings, context: ctx).connection
    }

    @Test func emptyMeansKUBECONFIG() async throws {
        let a = try kubeconfig("a.yaml", server: "https://a.example", context: "a")
        let conn = try connection("", ["KUBECONFIG": a, "HOME": dir + "/nohome"])
        #expect(conn.server == "https://a.example")
        #expect(conn.token == "t-a")
    }

    @Test func emptyWithSeveralFilesInKUBECONFIG() async throws {
        let a = try kubeconfig("a.yaml", server: "https://a.example", context: "a", current: false)
        let b = try kubeconfig("b.yaml", server: "https://b.example", context: "b")
        // A missing file is skipped; the first current-context (b's) wins; a's contexts are known too.
        let list = [dir + "/missing.yaml", a, b].joined(separator: ":")
        #expect(try connection("", ["KUBECONFIG": list]).server == "https://b.example")
        #expect(try connection("", ["KUBECONFIG": list], context: "a").namespace == "ns-a")
    }

    @Test func emptyWithoutKUBECONFIGMeansHomeKubeConfig() async throws {
        _ = try kubeconfig("home/.kube/config", server: "https://home.example", context: "home")
        #expect(try connection("", ["HOME": dir + "/home"]).server == "https://home.example")
        #expect(try connection("", ["HOME": dir + "/home", "KUBECONFIG": ""]).server == "https://home.example")
    }

    @Test func emptyWithNothingNamesWhereItLooked() async throws {
        #expect { try connection("", ["HOME": dir + "/nobody"]) } throws: { e in
            "\(e)" == "cannot read kubeconfig \(dir)/nobody/.kube/config"
        }
    }

    @Test func aRelativePathIsStillResolvedAgainstTheProject() async throws {
        _ = try kubeconfig("project/kube/dev.yaml", server: "https://dev.example", context: "dev")
        _ = try kubeconfig("a.yaml", server: "https://a.example", context: "a")
        #expect(try connection("kube/dev.yaml", ["KUBECONFIG": dir + "/a.yaml"]).server == "https://dev.example")
    }
}

/// Both Kubernetes kinds reach a cluster through `kubeconfig: ""` and $KUBECONFIG.
@Suite(.tags(.medium))
struct EmptyKubeconfigClusterTests {
    @Test func gateAndPlanUseKUBECONFIG() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let p = try Project(emu)
        let context = KindContext(environment: "production", isProtected: false, projectRoot: p.root,
                                  variables: ["KUBECONFIG": emu.kubeconfig, "HOME": p.root])
        let gate = GateKubernetesKind(http: CurlHTTPClient())
        let r = try await gate.apply(ApplyRequest(address: ResourceAddress(kind: "gate_kubernetes", name: "cluster"),
                                                  config: gate.schema.withDefaults(["kubeconfig": "", "namespace": "default"]),
                                                  prior: nil, action: .check, context: context, progress: { _ in }))
        #expect(r.outputs["server_version"] == .string("v1.32.0"))

        try p.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n")
        var config = p.config(["cm.yaml"], namespace: "default")
        config["kubeconfig"] = ""
        let plan = try await K8sManifestKind(http: CurlHTTPClient()).plan(PlanRequest(
            address: ResourceAddress(kind: "k8s_manifest", name: "app"), config: config, prior: nil, changedFields: [], refresh: true, context: context))
        #expect(plan.diagnostics.isEmpty, "\(plan.diagnostics)")
        #expect(plan.action == .create)
        #expect(plan.details == ["+ configmap/c"])
    }
}
