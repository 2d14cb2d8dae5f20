import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

/// Connections to the API server are reused across requests (HTTP keep-alive over TLS with a
/// token, as a real cluster is reached), parallel requests still run in parallel, and
/// cancelling a task aborts its transfer. The emulator counts the TCP connections it accepts.
@Suite(.tags(.medium))
struct KeepAliveTests {
    /// Connections the emulator has accepted so far (this health check's own included).
    func connections(_ emu: Emulator) async throws -> Int {
        let r = try await CurlHTTPClient().send(HTTPRequest(url: "https://127.0.0.1:\(emu.port)/emulator/health", insecure: true))
        let v = try JSONDecoder().decode(Value.self, from: r.body)
        return try #require(v["connections"]?.intValue)
    }

    func client(_ emu: Emulator, http: CurlHTTPClient) throws -> KubeClient {
        KubeClient(connection: try Kubeconfig.load(explicitPath: emu.kubeconfig, variables: [:]).connection(context: nil), http: http)
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let kube = try client(emu, http: CurlHTTPClient())
        let before = try await connections(emu)
        for _ in 0..<20 { _ = try await kube.request("GET", "/api/v1/namespaces/default/configmaps") }
        // The second health check opens one connection of its own.
        let opened = try await connections(emu) - before - 1
        #expect(opened == 1, "20 requests opened \(opened) connections")
    }

    @Test func copiesOfAClientShareItsPool() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let http = CurlHTTPClient()
        let before = try await connections(emu)
        for _ in 0..<5 {
            let copy = http  // what kinds hold: a copy of the run's client
            _ = try await client(emu, http: copy).request("GET", "/version")
        }
        #expect(try await connections(emu) - before - 1 == 1)
        #expect(http.pool.handlesCreated == 1)
    }

    @Test func parallelRequestsUseAtMostOneConnectionEach() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let kube = try client(emu, http: CurlHTTPClient())
        try await emu.control("POST", "latency", #"{"seconds": 1}"#)
        let before = try await connections(emu)
        let start = Date()
        let answers = try await concurrentMap(Array(0..<16), limit: 8) { _ in
            try await kube.request("GET", "/api/v1/namespaces")["kind"]?.stringValue
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(answers.allSatisfy { $0 == "NamespaceList" })
        // 16 requests of 1 s each, 8 at a time: about 2 s in parallel, 16 s one by one (with
        // room for a loaded machine: the TLS handshakes are Python's).
        #expect(elapsed < 8, "took \(elapsed) s")
        let opened = try await connections(emu) - before - 1
        #expect(opened >= 2 && opened <= 8, "opened \(opened) connections")
    }

    @Test func cancellingATaskAbortsItsTransfer() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let kube = try client(emu, http: CurlHTTPClient())
        try await emu.control("POST", "latency", #"{"seconds": 20}"#)
        let start = Date()
        let task = Task { try await kube.request("GET", "/api/v1/namespaces") }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(start)
        #expect(throws: CancellationError.self) { try result.get() }
        // libcurl calls the progress callback about once a second while it waits.
        #expect(elapsed < 8, "the cancelled request took \(elapsed) s")
    }

    @Test func aPlanOverTLSReusesConnections() async throws {
        let emu = try await Emulator(token: "s3cret", tls: true)
        let p = try Project(emu)
        let objects = (0..<40).map { "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\($0)}\ndata: {k: v\($0)}\n" }.joined(separator: "---\n")
        try p.write("cms.yaml", objects)
        try p.write("ns.yaml", namespace("reuse"))
        let config = p.config(["ns.yaml", "cms.yaml"], namespace: "reuse")
        let (state, err) = await p.apply(config, prior: nil)
        #expect(err == nil, "\(err ?? "")")
        try await emu.control("DELETE", "requests")  // its own connection, before the count
        let before = try await connections(emu)
        // Without the record of what was applied, every object is dry-run.
        var prior = state
        prior.outputs["applied"] = nil
        // One client for the run, as the commands create it.
        let kind = K8sManifestKind(http: CurlHTTPClient(), pollInterval: 0.05)
        let plan = try await kind.plan(PlanRequest(address: ResourceAddress(kind: "k8s_manifest", name: "app"), config: config, prior: prior,
                                                   changedFields: [], refresh: true, context: p.context()))
        #expect(plan.action == .noop)
        // Discovery, 2 LISTs and 41 dry-run applies, 16 in flight: at most 16 connections.
        let opened = try await connections(emu) - before - 1
        #expect(opened >= 1 && opened <= 16, "opened \(opened) connections for about 45 requests")
        let log = try JSONDecoder().decode(Value.self, from: try await CurlHTTPClient().send(
            HTTPRequest(url: "https://127.0.0.1:\(emu.port)/emulator/requests", insecure: true)).body)
        let paths = (log["requests"]?.listValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(paths.count(where: { $0.hasSuffix("/reuse/configmaps/c7") }) == 1)
        // 16 parallel lookups of one group/version share one discovery request.
        #expect(paths.count(where: { $0 == "/api/v1" }) == 1, "\(paths.filter { !$0.contains("/namespaces/") })")
    }
}
