import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import Testing

@Suite(.tags(.large), .serialized)
struct ImagePushTests {
    let http = CurlHTTPClient()

    @Test func pushReadBackNoOpChangeAndLostBlob() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/api", "#!/bin/sh\necho v1\n", executable: true)
        try s.write("build/data/config.json", #"{"a":1}"#)
        let repo = Sandbox.repo()
        var d = Driver(ImageKind(http: http), s, imageConfig(repo, [
            "tags": ["v1"], "layers": [["from": "build/data", "to": "/data"], ["from": "build/api", "to": "/app"]],
        ]))

        let p1 = try await d.plan()
        #expect(p1.action == .create)
        let planned = try #require(p1.plannedOutputs["digest"]?.stringValue)
        let r1 = try await d.apply()
        #expect(r1.outputs["digest"]?.stringValue == planned, "the plan knew the digest")
        #expect(r1.outputs["ref"]?.stringValue == "\(repo)@\(planned)")

        // Independent readers: skopeo sees the digest; umoci unpacks the files.
        let inspect = try await run(["skopeo", "inspect", "--no-tags", "--tls-verify=false", "docker://\(repo)@\(planned)"])
        #expect(inspect.contains(planned))
        #expect(inspect.contains("PORT=8080"))
        let layout = s.root + "/layout", bundle = s.root + "/bundle"
        try await run(["skopeo", "copy", "--src-tls-verify=false", "docker://\(repo):v1", "oci:\(layout):v1"])
        try await run(["umoci", "unpack", "--rootless", "--image", "\(layout):v1", bundle])
        #expect(try String(contentsOfFile: bundle + "/rootfs/app/api", encoding: .utf8) == "#!/bin/sh\necho v1\n")
        #expect(FileManager.default.isExecutableFile(atPath: bundle + "/rootfs/app/api"))

        // Unchanged: no-op.
        #expect(try await d.plan().action == .noop)

        // Changed: old → new digest and the changed file.
        try s.write("build/api/api", "#!/bin/sh\necho v2\n", executable: true)
        let p2 = try await d.plan()
        #expect(p2.action == .update)
        let newDigest = try #require(p2.plannedOutputs["digest"]?.stringValue)
        #expect(newDigest != planned)
        #expect(p2.details.contains("digest \(planned) → \(newDigest)"))
        #expect(p2.details.contains("1 file changed: app/api"))
        let r2 = try await d.apply(.update)
        #expect(r2.outputs["digest"]?.stringValue == newDigest)
        #expect(r2.summary?.contains("already present") == true, "the unchanged layer was not sent again: \(r2.summary ?? "")")

        // The registry loses a layer blob: the plan notices, the apply pushes it again.
        let hash = try #require(r2.outputs["input_hash"]?.stringValue)
        let rec = try #require(ImageBuilder(store: BlobStore(root: s.root + "/.ogf-cache/images")).cachedRecord(hash))
        let layer = rec.images[0].layers[1].digest
        let name = try ImageReference.parse(repo).repository
        let del = try await http.send(HTTPRequest(method: "DELETE", url: "http://\(Registries.open)/v2/\(name)/blobs/\(layer)"))
        #expect(del.status == 202)
        let p3 = try await d.plan()
        #expect(p3.action == .update)
        #expect(p3.reasons.first?.contains("no longer has blob") == true)
        _ = try await d.apply(.update)
        #expect(try await d.plan().action == .noop)
        try await run(["skopeo", "copy", "--src-tls-verify=false", "docker://\(repo)@\(newDigest)", "oci:\(layout):v2"])
    }

    /// zstd and gzip layers of the same folder: skopeo reads both images back, umoci unpacks the
    /// same files from both; the no-change plan skips the build.
    @Test func zstdAndGzipImagesUnpackTheSameFiles() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/api", "#!/bin/sh\necho zstd\n", executable: true)
        try s.write("build/api/big.txt", (0..<20_000).map { "line \($0) of a file that spans several blocks\n" }.joined())
        try s.write("build/api/sub/x", "x")
        var bundles: [String] = []
        for compression in ["zstd", "gzip"] {
            let repo = Sandbox.repo(Registries.open, compression)
            var d = Driver(ImageKind(http: http), s, imageConfig(repo, ["tags": ["v1"], "compression": .string(compression)]))
            let planned = try #require(try await d.plan().plannedOutputs["digest"]?.stringValue)
            #expect(try await d.apply().outputs["digest"]?.stringValue == planned)
            let raw = try await run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(repo)@\(planned)"])
            #expect(raw.contains("application/vnd.oci.image.layer.v1.tar+\(compression)"), "\(raw)")
            let layout = s.root + "/layout-\(compression)", bundle = s.root + "/bundle-\(compression)"
            // Debian 12's umoci (0.4.7) reads gzip layers only: skopeo decompresses the zstd
            // layer and gzips it again on the way into the layout, then umoci unpacks it.
            let convert = compression == "zstd" ? ["--dest-compress", "--dest-compress-format", "gzip"] : []
            try await run(["skopeo", "copy", "--src-tls-verify=false"] + convert + ["docker://\(repo):v1", "oci:\(layout):v1"])
            try await run(["umoci", "unpack", "--rootless", "--image", "\(layout):v1", bundle])
            bundles.append(bundle + "/rootfs")
            #expect(try await d.plan().action == .noop)
        }
        try await run(["diff", "-r", bundles[0], bundles[1]])
        #expect(FileManager.default.isExecutableFile(atPath: bundles[0] + "/app/api"))
    }

    @Test func chunkedUploadDockerFormatAndIndex() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/big.bin", String(repeating: "0123456789abcdef", count: 40_000) + UUID().uuidString)
        let repo = Sandbox.repo()
        var d = Driver(ImageKind(http: http), s, imageConfig(repo, [
            "chunk_size": 65536, "compression_level": 1, "format": "docker", "platforms": ["linux/amd64", "linux/arm64"], "tags": ["multi"],
        ]))
        let r = try await d.apply()
        let digest = try #require(r.outputs["digest"]?.stringValue)
        let raw = try await run(["skopeo", "inspect", "--no-tags", "--raw", "--tls-verify=false", "docker://\(repo)@\(digest)"])
        #expect(raw.contains("application/vnd.docker.distribution.manifest.list.v2+json"))
        #expect(raw.contains("arm64"))
        let arm = try await run(["skopeo", "inspect", "--no-tags", "--override-arch", "arm64", "--tls-verify=false", "docker://\(repo):multi"])
        #expect(arm.contains("\"Architecture\": \"arm64\""))
    }

    @Test func baseImageFromTheRegistryIsMounted() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/api", "base layer \(UUID())")
        let baseRepo = Sandbox.repo(Registries.open, "base")
        var base = Driver(ImageKind(http: http), s, imageConfig(baseRepo, ["env": ["FROM_BASE": "yes"]]))
        let br = try await base.apply()
        try s.write("build/web/index.html", "<p>web</p>")
        let repo = Sandbox.repo()
        let baseRef = try #require(br.outputs["ref"]?.stringValue)
        var d = Driver(ImageKind(http: http), s, [
            "repository": .string(repo), "base": .string(baseRef),
            "layers": [["from": "build/web", "to": "/srv"]], "cmd": ["serve"],
        ])
        let r = try await d.apply()
        #expect(r.summary?.contains("1 mounted") == true, "\(r.summary ?? "")")
        let dg = try #require(r.outputs["digest"]?.stringValue)
        let inspect = try await run(["skopeo", "inspect", "--no-tags", "--tls-verify=false", "docker://\(repo)@\(dg)"])
        #expect(inspect.contains("FROM_BASE=yes"))
        #expect(inspect.components(separatedBy: "sha256:").count > 3)
    }

    @Test func registryAnswering500ThenSucceeding() async throws {
        try await Registries.require(Registries.open)
        let proxy = try await RegistryProxy(["--fail-first", "3"])
        let s = try Sandbox()
        try s.write("build/api/api", "retry \(UUID())")
        let repo = Sandbox.repo(proxy.host)
        var d = Driver(ImageKind(http: http), s, imageConfig(repo))
        let r = try await d.apply()
        let log = await proxy.stop()
        #expect(log.contains("500 for request 3"))
        let digest = try #require(r.outputs["digest"]?.stringValue)
        let direct = repo.replacingOccurrences(of: proxy.host, with: Registries.open)
        try await run(["skopeo", "inspect", "--no-tags", "--tls-verify=false", "docker://\(direct)@\(digest)"])
    }

    @Test func interruptedPushIsFinishedByTheNextApply() async throws {
        try await Registries.require(Registries.open)
        let s = try Sandbox()
        try s.write("build/api/api", "interrupted \(UUID())")
        let proxy = try await RegistryProxy(["--drop-after-puts", "1"])
        let repo = Sandbox.repo(proxy.host)
        var config = imageConfig(repo, ["registry_retries": 1])
        var d = Driver(ImageKind(http: http), s, config)
        await #expect(throws: ResourceFailure.self) { _ = try await d.apply() }
        _ = await proxy.stop()
        // The next apply, straight to the registry behind the proxy, finishes the push.
        let direct = repo.replacingOccurrences(of: proxy.host, with: Registries.open)
        config["repository"] = .string(direct)
        d.config = ImageKind(http: http).schema.withDefaults(config)
        let p = try await d.plan()
        #expect(p.action == .update)
        let r = try await d.apply(.update)
        #expect(r.summary?.contains("1 already present") == true, "\(r.summary ?? "")")
        let dg = try #require(r.outputs["digest"]?.stringValue)
        try await run(["skopeo", "inspect", "--no-tags", "--tls-verify=false", "docker://\(direct)@\(dg)"])
    }

    @Test func credentialsRightAndWrong() async throws {
        try await Registries.require(Registries.auth)
        let s = try Sandbox()
        try s.write("build/api/api", "auth \(UUID())")
        let repo = Sandbox.repo(Registries.auth)
        // Wrong password from the environment: a clear message without the password.
        var bad = Driver(ImageKind(http: http), s, imageConfig(repo), vars: ["OGF_REGISTRY_USERNAME": Registries.user, "OGF_REGISTRY_PASSWORD": "wrong-secret-123"])
        do {
            _ = try await bad.apply()
            Issue.record("the push with a wrong password succeeded")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("rejected the credentials of user \"ogf\""), "\(f.message)")
            #expect(f.message.contains("environment OGF_REGISTRY_USERNAME"))
            #expect(!f.message.contains("wrong-secret-123"))
        }
        // Right ones from ~/.docker/config.json auths.
        let auth = Data("\(Registries.user):\(Registries.password)".utf8).base64EncodedString()
        try s.write(".docker/config.json", #"{"auths": {"\#(Registries.auth)": {"auth": "\#(auth)"}}}"#)
        var good = Driver(ImageKind(http: http), s, imageConfig(repo))
        let r = try await good.apply()
        #expect(r.outputs["digest"] != nil)
        // gate_registry: passes with the config, fails with a wrong password.
        var gate = Driver(GateRegistryKind(http: http), s, ["repositories": [.string(repo)]])
        _ = try await gate.apply(.check)
        var gateBad = Driver(GateRegistryKind(http: http), s, ["repositories": [.string(repo)]],
                             vars: ["OGF_REGISTRY_USERNAME": Registries.user, "OGF_REGISTRY_PASSWORD": "nope-nope"])
        await #expect(throws: ResourceFailure.self) { _ = try await gateBad.apply(.check) }
    }

    @Test func credentialHelperProtocol() async throws {
        let s = try Sandbox()
        try s.write("bin/docker-credential-ogftest", """
        #!/bin/sh
        read host
        [ "$1" = get ] && [ "$host" = "\(Registries.auth)" ] && echo '{"ServerURL":"'$host'","Username":"ogf","Secret":"from-helper"}'
        """, executable: true)
        try s.write(".docker/config.json", #"{"credHelpers": {"\#(Registries.auth)": "ogftest"}}"#)
        let store = DockerCredentialStore(environment: ["DOCKER_CONFIG": s.root + "/.docker"],
                                          helpers: SpawnCredentialHelperRunner(searchPath: s.root + "/bin"))
        let c = try await store.credentials(for: Registries.auth)
        #expect(c?.username == "ogf" && c?.password == "from-helper")
        #expect(c?.source == "credential helper docker-credential-ogftest")
    }
}
