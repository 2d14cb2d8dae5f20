import Foundation
import OGFCore
import OGFHTTP
import OGFKubernetes
import OGFTestSupport
import Testing

extension Tag {
    @Tag static var small: Self
    @Tag static var medium: Self
}

struct EmulatorError: Error, CustomStringConvertible {
    var description: String
}

/// The API server emulator (Tests/Support/kube-emulator) on an ephemeral loopback port. It is
/// started under a shell that stops it when this test process dies, with its output discarded
/// (a child holding the runner's stdout makes `swift test | tail` hang). Starting it is required:
/// a test that cannot start it fails. Its start is awaited (the port file polled with
/// `Task.sleep`), never slept through on a thread of the cooperative pool.
final class Emulator: @unchecked Sendable {
    let dir: String
    let port: Int
    let kubeconfig: String
    let pid: Int32
    let token: String?

    init(token: String? = nil, tls: Bool = false, extra: [String] = []) async throws {
        dir = NSTemporaryDirectory() + "ogf-kube-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        kubeconfig = dir + "/kubeconfig"
        self.token = token
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/kube-emulator/emulator.py").path
        var args = ["python3", script, "--port", "0", "--port-file", dir + "/port", "--kubeconfig-out", kubeconfig, "--rollout-delay", "0.1"]
        if let token { args += ["--token", token] }
        if tls { args.append("--tls-self-signed") }
        args += extra
        let quoted = args.map { "'\($0)'" }.joined(separator: " ")
        let parent = ProcessInfo.processInfo.processIdentifier
        // The watcher loop ends the emulator when the test process is gone. SIGKILL, because a child
        // of the test runner inherits a signal mask that blocks SIGTERM.
        let sh = "\(quoted) & child=$!; echo $child > '\(dir)/pid'; while kill -0 \(parent) 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; kill -9 $child 2>/dev/null"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", sh]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let dir = self.dir
        var found: Int?
        _ = await poll(attempts: 200, every: 0.05) {
            if let s = try? String(contentsOfFile: dir + "/port", encoding: .utf8), let port = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = port
            }
            return found != nil
        }
        guard let found, let pidText = try? String(contentsOfFile: dir + "/pid", encoding: .utf8), let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmulatorError(description: "the Kubernetes API emulator did not start (python3 \(script))")
        }
        port = found
        self.pid = pid
    }

    deinit { kill(pid, SIGKILL) }

    /// Stops the emulator through its control endpoint and waits until the port refuses connections.
    func stop() async {
        try? await control("POST", "shutdown")
        for _ in 0..<100 {
            if (try? await CurlHTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(port)/emulator/health", timeout: 1))) == nil { return }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Calls a control endpoint (`/emulator/...`).
    func control(_ method: String, _ path: String, _ body: String? = nil) async throws {
        let scheme = (try? String(contentsOfFile: kubeconfig, encoding: .utf8))?.contains("https://") == true ? "https" : "http"
        _ = try await CurlHTTPClient().send(HTTPRequest(method: method, url: "\(scheme)://127.0.0.1:\(port)/emulator/\(path)",
                                                       headers: [("Content-Type", "application/json")], body: body.map { Data($0.utf8) }, insecure: true))
    }

    /// Runs kubectl against the emulator: the independent client.
    @discardableResult
    func kubectl(_ args: String...) async throws -> String { try await kubectl(args) }

    @discardableResult
    func kubectl(_ args: [String]) async throws -> String {
        let r = try await Child.run(onPath: ["kubectl", "--kubeconfig", kubeconfig] + args, output: .merged)
        guard r.code == 0 else { throw EmulatorError(description: "kubectl \(args.joined(separator: " ")) failed: \(r.outText)") }
        return r.outText
    }
}

/// A project folder with manifest files, and requests for the kinds against it.
struct Project {
    let root: String
    let emulator: Emulator

    init(_ emulator: Emulator) throws {
        self.emulator = emulator
        root = emulator.dir + "/project-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: root + "/k8s", withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: root + "/k8s/" + name, atomically: true, encoding: .utf8)
    }

    func context(force: Bool = false) -> KindContext {
        var options = RunOptions()
        options[ForceConflictsOption.self] = force
        return KindContext(environment: "test", isProtected: false, projectRoot: root, variables: ["HOME": root], options: options)
    }

    func config(_ files: [String], namespace: String, values: [String: Value] = [:], extra: [String: Value] = [:]) -> [String: Value] {
        var c: [String: Value] = ["files": .list(files.map { .string("k8s/" + $0) }), "namespace": .string(namespace),
                                  "kubeconfig": .string(emulator.kubeconfig), "values": .map(values), "timeout": "20s"]
        for (k, v) in extra { c[k] = v }
        return K8sManifestKind(http: CurlHTTPClient()).schema.withDefaults(c)
    }

    func plan(_ config: [String: Value], prior: ResourceState?, force: Bool = false) async throws -> PlanResponse {
        try await K8sManifestKind(http: CurlHTTPClient(), pollInterval: 0.05).plan(PlanRequest(
            address: ResourceAddress(kind: "k8s_manifest", name: "app"), config: config, prior: prior, changedFields: [], refresh: true, context: context(force: force)))
    }

    /// Applies and answers the state the engine would record (status failed on a failure).
    func apply(_ config: [String: Value], prior: ResourceState?, force: Bool = false, progress: Locked<[String]> = Locked([])) async -> (ResourceState, String?) {
        let req = ApplyRequest(address: ResourceAddress(kind: "k8s_manifest", name: "app"), config: config, prior: prior,
                               action: prior == nil ? .create : .update, context: context(force: force), progress: { line in progress.withLock { $0.append(line) } })
        do {
            let r = try await K8sManifestKind(http: CurlHTTPClient(), pollInterval: 0.05).apply(req)
            return (state(config, r.outputs, .ready), nil)
        } catch let f as ResourceFailure {
            return (state(config, f.outputs, .tainted), f.message)
        } catch {
            return (state(config, prior?.outputs ?? [:], .tainted), "\(error)")
        }
    }

    func state(_ config: [String: Value], _ outputs: [String: Value], _ status: ResourceStatus) -> ResourceState {
        ResourceState(kind: "k8s_manifest", attributes: config, outputs: outputs, sensitivePaths: [], dependencies: [],
                      appliedAt: Date(), ogfVersion: "test", durationMs: nil, status: status)
    }
}

func deployment(_ name: String, image: String = "${values.image}", replicas: Int = 2, annotations: String = "{}") -> String {
    """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: \(name)
    spec:
      replicas: \(replicas)
      progressDeadlineSeconds: 600
      selector:
        matchLabels: {app: \(name)}
      template:
        metadata:
          labels: {app: \(name)}
          annotations: \(annotations)
        spec:
          containers:
            - name: \(name)
              image: "\(image)"
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: \(name)
    spec:
      selector: {app: \(name)}
      ports: [{port: 80, targetPort: 8080}]

    """
}

func namespace(_ name: String) -> String {
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \(name)\n"
}
