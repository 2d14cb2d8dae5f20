import Foundation
import OGFYAML
import OGFCore

/// How to reach one cluster as one user: what a kubeconfig context resolves to.
public struct ClusterConnection: Sendable {
    public var server: String
    public var token: String?
    public var caFile: String?
    public var clientCertFile: String?
    public var clientKeyFile: String?
    public var insecure: Bool
    /// The context's namespace, `default` when it names none.
    public var namespace: String
    public var contextName: String

    public init(server: String, token: String? = nil, caFile: String? = nil, clientCertFile: String? = nil, clientKeyFile: String? = nil,
                insecure: Bool = false, namespace: String = "default", contextName: String = "") {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        self.caFile = caFile
        self.clientCertFile = clientCertFile
        self.clientKeyFile = clientKeyFile
        self.insecure = insecure
        self.namespace = namespace
        self.contextName = contextName
    }
}

/// A kubeconfig, manifest or discovery problem, worded for the person who has to fix it.
public struct KubernetesError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Reads kubeconfig the way kubectl does: the files in `KUBECONFIG` (colon-separated; the first
/// file to define a name wins, and the first `current-context` wins), or `~/.kube/config`.
public struct Kubeconfig: Sendable {
    var clusters: [String: Value] = [:]
    var users: [String: Value] = [:]
    var contexts: [String: Value] = [:]
    public var currentContext: String?
    /// Folder of the file that defined each name: relative paths resolve against it.
    var origins: [String: String] = [:]

    /// `explicitPath` (a `kubeconfig:` field) wins over `KUBECONFIG`, which wins over ~/.kube/config.
    public static func load(explicitPath: String?, variables: [String: String]) throws -> Kubeconfig {
        var paths: [String]
        if let explicitPath, !explicitPath.isEmpty {
            paths = [explicitPath]
        } else if let env = variables["KUBECONFIG"], !env.isEmpty {
            paths = env.split(separator: ":").map(String.init)
        } else {
            paths = [((variables["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".kube/config")]
        }
        var config = Kubeconfig()
        var read = 0
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                if paths.count == 1 { throw KubernetesError("cannot read kubeconfig \(path)") }
                continue
            }
            read += 1
            try config.merge(text: text, path: path)
        }
        if read == 0 { throw KubernetesError("none of the kubeconfig files in KUBECONFIG could be read: \(paths.joined(separator: ", "))") }
        return config
    }

    public init() {}

    public init(text: String, path: String) throws {
        try merge(text: text, path: path)
    }

    mutating func merge(text: String, path: String) throws {
        let (doc, diags) = YAMLParser().parse(text, file: path)
        if let d = diags.first { throw KubernetesError("\(path): \(d.summary)") }
        let v = doc.value
        let dir = (path as NSString).deletingLastPathComponent
        func add(_ list: String, _ field: String, into dict: inout [String: Value]) {
            for item in v[list]?.listValue ?? [] {
                guard let name = item["name"]?.stringValue, dict[name] == nil else { continue }
                dict[name] = item[field] ?? .map([:])
                origins["\(list)/\(name)"] = dir
            }
        }
        add("clusters", "cluster", into: &clusters)
        add("users", "user", into: &users)
        add("contexts", "context", into: &contexts)
        if currentContext == nil, let c = v["current-context"]?.stringValue, !c.isEmpty { currentContext = c }
    }

    public var contextNames: [String] { contexts.keys.sorted() }

    /// Resolves a context (the named one, else current-context) to a connection. Inline
    /// `*-data` fields are written to private temporary files for libcurl.
    public func connection(context name: String?, runner: ExecCredentialRunner = ExecCredentialRunner()) throws -> ClusterConnection {
        guard let ctxName = name ?? currentContext else {
            throw KubernetesError("the kubeconfig has no current-context; name one with `context:` (known: \(contextNames.joined(separator: ", ")))")
        }
        guard let ctx = contexts[ctxName] else {
            throw KubernetesError("context \"\(ctxName)\" is not in the kubeconfig (known: \(contextNames.joined(separator: ", ")))")
        }
        let clusterName = ctx["cluster"]?.stringValue ?? ""
        guard let cluster = clusters[clusterName] else { throw KubernetesError("context \"\(ctxName)\" names cluster \"\(clusterName)\", which is not defined") }
        guard let server = cluster["server"]?.stringValue else { throw KubernetesError("cluster \"\(clusterName)\" has no server") }
        let userName = ctx["user"]?.stringValue ?? ""
        let user = users[userName] ?? .map([:])
        let cdir = origins["clusters/\(clusterName)"] ?? "."
        let udir = origins["users/\(userName)"] ?? "."

        var conn = ClusterConnection(server: server, namespace: ctx["namespace"]?.stringValue ?? "default", contextName: ctxName)
        conn.insecure = cluster["insecure-skip-tls-verify"]?.boolValue ?? false
        conn.caFile = try Self.file(path: cluster["certificate-authority"]?.stringValue, data: cluster["certificate-authority-data"]?.stringValue, dir: cdir)
        conn.clientCertFile = try Self.file(path: user["client-certificate"]?.stringValue, data: user["client-certificate-data"]?.stringValue, dir: udir)
        conn.clientKeyFile = try Self.file(path: user["client-key"]?.stringValue, data: user["client-key-data"]?.stringValue, dir: udir)
        if let t = user["token"]?.stringValue, !t.isEmpty {
            conn.token = t
        } else if let tf = user["tokenFile"]?.stringValue {
            let p = tf.hasPrefix("/") ? tf : (udir as NSString).appendingPathComponent(tf)
            conn.token = try String(contentsOfFile: p, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let exec = user["exec"], exec.mapValue != nil {
            conn.token = try runner.token(exec: exec, server: server)
        }
        return conn
    }

    static func file(path: String?, data: String?, dir: String) throws -> String? {
        if let data, !data.isEmpty {
            guard let bytes = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw KubernetesError("a *-data field in the kubeconfig is not valid base64")
            }
            // Named by content (FNV-1a), so repeated runs reuse one file instead of leaving one each.
            var h: UInt64 = 0xcbf29ce484222325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("ogf-kube-\(getuid())-\(String(h, radix: 16)).pem")
            if FileManager.default.contents(atPath: out) != bytes {
                let tmp = out + ".\(UUID().uuidString.prefix(8))"
                _ = FileManager.default.createFile(atPath: tmp, contents: bytes, attributes: [.posixPermissions: 0o600])
                _ = rename(tmp, out)
            }
            return out
        }
        guard let path, !path.isEmpty else { return nil }
        return path.hasPrefix("/") ? path : (dir as NSString).appendingPathComponent(path)
    }
}

/// Runs a kubeconfig `exec` credential plugin (client.authentication.k8s.io ExecCredential) and
/// returns its bearer token.
public struct ExecCredentialRunner: Sendable {
    public init() {}

    public func token(exec: Value, server: String) throws -> String {
        guard let command = exec["command"]?.stringValue else { throw KubernetesError("an exec credential plugin needs a command") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [command] + (exec["args"]?.listValue?.compactMap(\.stringValue) ?? [])
        var env = ProcessInfo.processInfo.environment
        for e in exec["env"]?.listValue ?? [] {
            if let n = e["name"]?.stringValue, let v = e["value"]?.stringValue { env[n] = v }
        }
        let apiVersion = exec["apiVersion"]?.stringValue ?? "client.authentication.k8s.io/v1"
        env["KUBERNETES_EXEC_INFO"] = #"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw KubernetesError("exec credential plugin \(command) could not start: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw KubernetesError("exec credential plugin \(command) exited with \(p.terminationStatus)") }
        guard let v = try? JSONDecoder().decode(Value.self, from: data), let token = v["status"]?["token"]?.stringValue else {
            throw KubernetesError("exec credential plugin \(command) printed no ExecCredential with status.token")
        }
        return token
    }
}
