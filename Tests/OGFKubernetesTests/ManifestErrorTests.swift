import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// Manifest problems name FILE:LINE(:COLUMN): broken YAML, unknown kinds (from discovery), and
/// what `ogf validate` can find without a server.
@Suite(.tags(.small))
struct ManifestErrorTests {
    let dir = NSTemporaryDirectory() + "ogf-mf-\(UUID().uuidString.prefix(8))"

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        return dir + "/" + name
    }

    let loader = ManifestLoader(values: ["image": "r/api:1"], environment: "test", resource: "k8s_manifest.app")

    @Test func brokenYAMLNamesLineAndColumn() async throws {
        // Line 7 closes a flow mapping that was never opened.
        let path = try write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: name: b}\n")
        #expect { try loader.load(paths: [path], defaultNamespace: "n") } throws: { e in
            "\(e)".hasPrefix("\(path):7:") && "\(e)".contains("mapping values are not allowed")
        }
    }

    @Test func objectsRememberWhereTheirDocumentStarts() async throws {
        let path = try write("two.yaml", "# first\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n")
        let objects = try loader.load(paths: [path], defaultNamespace: "n")
        #expect(objects.map(\.position) == ["\(path):2", "\(path):10"])
    }

    @Test func unsetValueNamesLineAndColumn() async throws {
        let path = try write("values.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  image: \"${values.image}\"\n  tag: \"${values.tag}\"\n")
        #expect { try loader.load(paths: [path], defaultNamespace: "n") } throws: { e in
            "\(e)".hasPrefix("\(path):6:9: ${values.tag} is not set")
        }
    }

    @Test func checkFindsEveryProblemWithoutAServer() async throws {
        let broken = try write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [x\n")
        let nameless = try write("nameless.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\ndata: {k: v}\n")
        let typo = try write("typo.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok2}\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: api}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
        let values = try write("values.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v}\ndata: {a: \"${values.image}\", b: \"${values.secret}\", c: \"${values.nope}\"}\n")
        let offline = ManifestLoader(values: ["image": "r/api:1", "secret": .sensitive(.unknown)], environment: "test", resource: "")
        let found = offline.check(paths: [broken, nameless, typo, values]).map(\.description)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.hasPrefix("\(broken):6:1: error: ") }, "\(found)")
        #expect(found.contains("\(nameless):5:1: error: this object has no metadata.name; every object needs apiVersion, kind and metadata.name"))
        #expect(found.contains("\(typo):5:1: error: apps/v1 has no kind Deploymnet. Did you mean \"Deployment\"?"))
        #expect(found.contains { $0.hasPrefix("\(values):4:57: error: ${values.nope} is not set") }, "\(found)")
        // Values not known yet (secrets) pass; so does everything when `values` itself is unknown.
        #expect(ManifestLoader(values: [:], environment: "test", resource: "").check(paths: [values], valuesKnown: false).isEmpty)
    }

    @Test func kindValidateChecksTheFilesOfTheResource() async throws {
        let path = try write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n")
        let kind = K8sManifestKind(http: CurlHTTPClient())
        let context = KindContext(environment: "test", isProtected: false, projectRoot: dir, variables: [:])
        let found = kind.validate(kind.schema.withDefaults(["files": ["broken.yaml"], "kubeconfig": ""]), context: context)
        #expect(found.count == 1)
        #expect(found.first?.location?.file == path)
        #expect((found.first?.location?.line ?? 0) > 0)
        // Files not known without the environment are not checked.
        #expect(kind.validate(["files": .list([.unknown])], context: context).isEmpty)
    }
}

/// An object whose kind the server does not have fails naming its file and line.
@Suite(.tags(.medium))
struct UnknownKindTests {
    @Test func unknownKindNamesFileAndLine() async throws {
        let emu = try await Emulator()
        let p = try Project(emu)
        try p.write("app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Widget\nmetadata: {name: w}\n")
        try p.write("crd.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n")
        let plan = try await p.plan(p.config(["app.yaml"], namespace: "default"), prior: nil)
        let message = plan.diagnostics.first?.summary ?? ""
        #expect(message.contains("\(p.root)/k8s/app.yaml:5: widget/w: the API server has no kind Widget in v1"), "\(message)")
        let plan2 = try await p.plan(p.config(["crd.yaml"], namespace: "default"), prior: nil)
        #expect(plan2.diagnostics.first?.summary.contains("\(p.root)/k8s/crd.yaml:1: gadget/g: the API server does not serve example.com/v1") == true,
                "\(plan2.diagnostics)")
        let (_, err) = await p.apply(p.config(["app.yaml"], namespace: "default"), prior: nil)
        #expect(err?.contains("k8s/app.yaml:5: widget/w") == true, "\(err ?? "")")
    }
}
