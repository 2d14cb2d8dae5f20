import Foundation
import Testing

/// `ogf validate` checks the manifest files of k8s_manifest resources without a server.
@Suite struct ValidateManifestTests {
    let env = """
    resources:
      k8s_manifest.app:
        kubeconfig: ""
        namespace: app
        files: [k8s/app.yaml, k8s/broken.yaml]
        values:
          image: "registry/app:${var.tag}"
          password: "${secret.DB_PASSWORD}"
    variables:
      tag: "1"
    """

    @Test func reportsBrokenYAMLUnknownKindsAndValuesWithPositions() async throws {
        let p = try Project([
            "environments/v.yaml": env,
            "k8s/app.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: \"${values.password}\"}\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: api}\nspec: {image: \"${values.image}\", other: \"${values.imag}\"}\n",
            "k8s/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: b\n",
        ])
        let r = try await p.run("validate", "v")
        #expect(r.code == 1, "\(r.all)")
        #expect(r.err.contains("k8s/app.yaml:6:1: error: k8s_manifest.app: apps/v1 has no kind Deploymnet. Did you mean \"Deployment\"?"), "\(r.err)")
        #expect(r.err.contains("k8s/app.yaml:9:42: error: k8s_manifest.app: ${values.imag} is not set"), "\(r.err)")
        #expect(r.err.contains("k8s/broken.yaml:6:1: error: k8s_manifest.app: "), "\(r.err)")
        #expect(!r.all.contains("is valid"))
        #expect(!r.all.contains("DB_PASSWORD ="))
    }

    @Test func validManifestsPass() async throws {
        let p = try Project([
            "environments/v.yaml": env.replacingOccurrences(of: ", k8s/broken.yaml", with: ""),
            "k8s/app.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: \"${values.password}\"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {image: \"${values.image}\"}\n",
        ])
        let r = try await p.run("validate", "v")
        #expect(r.code == 0, "\(r.all)")
        #expect(r.out.contains("The configuration of v is valid: 1 resource"))
    }
}
