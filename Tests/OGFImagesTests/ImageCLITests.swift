import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import OGFTestSupport
import Testing

/// Runs the built `ogf` binary on a project with images: the engine, state and plan rendering
/// around the kinds, as a user sees them.
@Suite(.tags(.large), .serialized)
struct ImageCLITests {
    static var ogf: String {
        // The test bundle sits next to the executables in .build/<triple>/debug.
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        for dir in [bundle, bundle.deletingLastPathComponent()] {
            let p = dir.appendingPathComponent("ogf").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/ogf").path
    }

    func ogf(_ s: Sandbox, _ args: String...) async throws -> (Int32, String) {
        let r = try await Child.run(Self.ogf, args + ["-C", s.root, "--no-color"],
                                    environment: ["PATH": "/usr/bin:/bin", "HOME": s.root, "DOCKER_CONFIG": s.root + "/.docker"])
        return (r.code, String(decoding: r.out + r.err, as: UTF8.self))
    }

    @Test func planApplyNoChangeAndChangedFileThroughTheCLI() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        let repo = Sandbox.repo()
        try s.write("build/api/api", "#!/bin/sh\necho 1\n", executable: true)
        try s.write("build/web/index.html", "<p>1</p>")
        try s.write("environments/e2e.yaml", """
        environment: e2e
        resources:
          gate_registry.push:
            repositories: ["\(repo)"]
          image.api:
            repository: "\(repo)"
            tags: [e2e]
            layers:
              - {from: build/api, to: /app}
              - {from: build/web, to: /srv/www}
            entrypoint: ["/app/api"]
            depends_on: [gate_registry.push]
          gate_vulnerabilities.scan:
            images: ["${image.api.ref}"]
            reports: scans
        """)
        let (vs, vout) = try await ogf(s, "validate", "e2e")
        #expect(vs == 0, "\(vout)")
        let (ps, pout) = try await ogf(s, "plan", "e2e")
        #expect(ps == 0, "\(pout)")
        let digest = try #require(pout.firstMatch(of: /digest (sha256:[0-9a-f]{64}), [0-9]+ files in 2 layers/)?.1).description
        // A report for exactly this digest, made before anything was pushed: the plan knew it.
        try s.write("scans/api.json", #"{"SchemaVersion":2,"ArtifactName":"\#(repo)@\#(digest)","Results":[]}"#)
        let (as1, aout) = try await ogf(s, "apply", "e2e", "--auto-approve")
        #expect(as1 == 0, "\(aout)")
        #expect(aout.contains("image.api: created"))
        let (ns, nout) = try await ogf(s, "plan", "e2e", "-detailed-exitcode")
        #expect(!nout.contains("image.api will be"), "\(nout)")
        #expect(ns == 0 || nout.contains("checks"), "\(nout)")
        try s.write("build/web/index.html", "<p>2</p>")
        let (_, cout) = try await ogf(s, "plan", "e2e")
        #expect(cout.contains("image.api will be updated in place (1 file changed)"), "\(cout)")
        #expect(cout.contains("digest \(digest) → sha256:"))
        #expect(cout.contains("1 file changed: srv/www/index.html"))
        // The new digest has no report yet: the gate fails the apply.
        let (fs, fout) = try await ogf(s, "apply", "e2e", "--auto-approve")
        #expect(fs != 0)
        #expect(fout.contains("no report for \(repo)@sha256:"), "\(fout)")
    }

    /// A failed push keeps the digest that is still in the registry and still running: the
    /// resource is tainted, its outputs stay the last good ones, the failure sits beside them.
    @Test func aFailedPushKeepsTheLastGoodDigestInState() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        let repo = Sandbox.repo()
        func env(_ repository: String) -> String {
            "environment: e2e\nresources:\n  image.api:\n    repository: \"\(repository)\"\n    tags: [e2e]\n    layers:\n      - {from: build/api, to: /app}\n"
        }
        try s.write("build/api/api", "one \(UUID())")
        try s.write("environments/e2e.yaml", env(repo))
        let (a1, out1) = try await ogf(s, "apply", "e2e", "--auto-approve")
        #expect(a1 == 0, "\(out1)")
        let (_, shown1) = try await ogf(s, "state", "show", "e2e", "image.api", "--json")
        let digest = try #require(shown1.firstMatch(of: /"digest" ?: ?"(sha256:[0-9a-f]{64})"/)?.1).description
        // The registry is gone (nothing listens on port 1) and a file changed: the push fails.
        try s.write("build/api/api", "two \(UUID())")
        try s.write("environments/e2e.yaml", env("127.0.0.1:1/ogf/gone"))
        let (a2, out2) = try await ogf(s, "apply", "e2e", "--auto-approve", "--refresh=false")
        #expect(a2 != 0, "\(out2)")
        let (_, shown) = try await ogf(s, "state", "show", "e2e", "image.api")
        #expect(shown.contains("status       = tainted"), "\(shown)")
        #expect(shown.contains("last_failure = "), "\(shown)")
        #expect(shown.contains("outputs (last known good; references resolve to these):"), "\(shown)")
        #expect(shown.contains(digest), "the digest still in the registry is kept\n\(shown)")
    }

    /// The built binary pinned to one core (`taskset -c 0`) and free on all of them plans the same
    /// digests, for gzip and zstd layers.
    @Test func sameDigestOnOneCoreAndOnAll() async throws {
        let s = try Sandbox()
        for i in 0..<30 { try s.write("build/api/f\(i).txt", (0..<(2_000 + i * 300)).map { "\(i) line \($0 * 7919 % 1000)\n" }.joined()) }
        try s.write("environments/e2e.yaml", """
        environment: e2e
        resources:
          image.gz:
            repository: "\(Registries.open)/ogf-tests/cores-gz"
            layers: [{from: build/api, to: /app}]
          image.zs:
            repository: "\(Registries.open)/ogf-tests/cores-zs"
            compression: zstd
            layers: [{from: build/api, to: /app}]
        """)
        func digests(_ prefix: [String]) async throws -> [String] {
            try? FileManager.default.removeItem(atPath: s.root + "/.ogf-cache")
            let argv = prefix + [Self.ogf, "plan", "e2e", "-C", s.root, "--no-color", "--refresh", "false"]
            let r = try await Child.run(argv[0], Array(argv.dropFirst()),
                                        environment: ["PATH": "/usr/bin:/bin", "HOME": s.root, "DOCKER_CONFIG": s.root + "/.docker"])
            let (st, out, err) = (r.code, r.out, r.err)
            let text = String(decoding: out + err, as: UTF8.self)
            #expect(st == 0, "\(text)")
            return text.matches(of: /digest (sha256:[0-9a-f]{64})/).map { String($0.1) }
        }
        let one = try await digests(["/usr/bin/taskset", "-c", "0"])
        let all = try await digests([])
        #expect(one.count == 2, "\(one)")
        #expect(one == all)
    }

    @Test func baseFromAnotherRegistryIsDownloadedAndUploaded() async throws {
        try await Registries.require(Registries.open)
        try await Registries.require(Registries.auth)
        let s = try Sandbox()
        try s.write("build/api/api", "base on the open registry \(UUID())")
        var base = Driver(ImageKind(http: CurlHTTPClient()), s, imageConfig(Sandbox.repo(Registries.open, "base")))
        let baseRef = try #require(try await base.apply().outputs["ref"]?.stringValue)
        try s.write("build/web/index.html", "<p>on top</p>")
        let repo = Sandbox.repo(Registries.auth)
        var d = Driver(ImageKind(http: CurlHTTPClient()), s, [
            "repository": .string(repo), "base": .string(baseRef), "tags": ["t"], "layers": [["from": "build/web", "to": "/srv"]],
        ], vars: ["OGF_REGISTRY_USERNAME": Registries.user, "OGF_REGISTRY_PASSWORD": Registries.password])
        let r = try await d.apply()
        #expect(r.summary?.contains("3 blobs pushed") == true, "\(r.summary ?? "")")
        let layout = s.root + "/layout", bundle = s.root + "/bundle"
        try await run(["skopeo", "copy", "--src-creds", "\(Registries.user):\(Registries.password)", "--src-tls-verify=false",
                       "docker://\(repo):t", "oci:\(layout):t"])
        try await run(["umoci", "unpack", "--rootless", "--image", "\(layout):t", bundle])
        #expect(FileManager.default.fileExists(atPath: bundle + "/rootfs/app/api"))
        #expect(FileManager.default.fileExists(atPath: bundle + "/rootfs/srv/index.html"))
    }

    @Test func builderCommandOutputIsPushed() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/api", "built elsewhere \(UUID())")
        var source = Driver(ImageKind(http: CurlHTTPClient()), s, imageConfig(Sandbox.repo(Registries.open, "src")))
        let ref = try #require(try await source.apply().outputs["ref"]?.stringValue)
        // A stand-in for buildah/buildx: writes an OCI layout to $OGF_IMAGE_OUTPUT.
        let repo = Sandbox.repo()
        let script = "skopeo copy -q --src-tls-verify=false docker://\(ref) oci:$OGF_IMAGE_OUTPUT:latest"
        var d = Driver(ImageKind(http: CurlHTTPClient()), s, [
            "repository": .string(repo), "context": "build/api",
            "builder": ["sh", "-c", .string(script)],
        ], vars: ["PATH": "/usr/bin:/bin"])
        let p = try await d.plan()
        #expect(p.action == .create)
        #expect(p.plannedOutputs["digest"] == .unknown)
        let r = try await d.apply()
        let digest = try #require(r.outputs["digest"]?.stringValue)
        #expect(ref.hasSuffix(digest), "the layout's manifest is pushed as it is")
        try await run(["skopeo", "inspect", "--no-tags", "--tls-verify=false", "docker://\(repo)@\(digest)"])
        #expect(try await d.plan().action == .noop)
    }
}
