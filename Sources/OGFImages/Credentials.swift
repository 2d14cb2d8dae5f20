import Foundation
import OGFCore

/// A user name and password (or identity token) for one registry, and where they came from —
/// the source is shown in messages, the password never is.
public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String
    /// e.g. `environment OGF_REGISTRY_USERNAME/OGF_REGISTRY_PASSWORD`, `~/.docker/config.json auths`.
    public var source: String

    public init(username: String, password: String, source: String) {
        self.username = username
        self.password = password
        self.source = source
    }
}

/// Finds credentials for a registry host.
public protocol CredentialStore: Sendable {
    func credentials(for registry: String) async throws -> RegistryCredentials?
}

/// Credentials as the Docker client keeps them, with the environment first:
/// 1. `OGF_REGISTRY_USERNAME` and `OGF_REGISTRY_PASSWORD` (for every registry), or a resource's own
///    `username_env`/`password_env`;
/// 2. `credHelpers[host]` in `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), through
///    the `docker-credential-<helper> get` protocol (host on stdin, JSON on stdout);
/// 3. `auths[host]` (`auth` = base64 `user:password`, or `username`/`password`);
/// 4. `credsStore`, through its helper.
public struct DockerCredentialStore: CredentialStore {
    public var environment: [String: String]
    public var usernameVariable: String
    public var passwordVariable: String
    public var configPath: String?
    public var helpers: any CredentialHelperRunner

    public init(environment: [String: String], usernameVariable: String = "OGF_REGISTRY_USERNAME",
                passwordVariable: String = "OGF_REGISTRY_PASSWORD", configPath: String? = nil,
                helpers: any CredentialHelperRunner = SpawnCredentialHelperRunner()) {
        self.environment = environment
        self.usernameVariable = usernameVariable
        self.passwordVariable = passwordVariable
        self.configPath = configPath
        self.helpers = helpers
    }

    var resolvedConfigPath: String {
        if let configPath { return configPath }
        if let d = environment["DOCKER_CONFIG"] { return d + "/config.json" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.docker/config.json"
    }

    public func credentials(for registry: String) async throws -> RegistryCredentials? {
        if let u = environment[usernameVariable], let p = environment[passwordVariable], !u.isEmpty {
            return RegistryCredentials(username: u, password: p, source: "environment \(usernameVariable)/\(passwordVariable)")
        }
        let path = resolvedConfigPath
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let cfg = CanonicalJSON.decode(data) else { throw ImageError("\(path) is not valid JSON") }
        let keys = [registry, "https://\(registry)", "http://\(registry)"]
            + (registry == "docker.io" ? ["https://index.docker.io/v1/", "index.docker.io"] : [])
        if let helpersMap = cfg["credHelpers"] as? [String: String], let h = keys.lazy.compactMap({ helpersMap[$0] }).first {
            return try await helpers.get(helper: h, registry: registry)
        }
        if let auths = cfg["auths"] as? [String: Any], let entry = keys.lazy.compactMap({ auths[$0] as? [String: Any] }).first {
            if let auth = entry["auth"] as? String, let raw = Data(base64Encoded: auth), let text = String(data: raw, encoding: .utf8),
               let colon = text.firstIndex(of: ":") {
                return RegistryCredentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]),
                                           source: "\(path) auths")
            }
            if let u = entry["username"] as? String, let p = entry["password"] as? String {
                return RegistryCredentials(username: u, password: p, source: "\(path) auths")
            }
        }
        if let store = cfg["credsStore"] as? String, !store.isEmpty {
            return try await helpers.get(helper: store, registry: registry)
        }
        return nil
    }
}

/// Runs `docker-credential-<name> get`.
public protocol CredentialHelperRunner: Sendable {
    func get(helper: String, registry: String) async throws -> RegistryCredentials?
}

/// Spawns the helper with Foundation's Process, writing the host to its stdin.
public struct SpawnCredentialHelperRunner: CredentialHelperRunner {
    public var searchPath: String?

    public init(searchPath: String? = nil) { self.searchPath = searchPath }

    public func get(helper: String, registry: String) async throws -> RegistryCredentials? {
        let exe = "docker-credential-\(helper)"
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let full = path.split(separator: ":").map({ "\($0)/\(exe)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ImageError("credential helper \(exe) (named for \(registry) in the Docker config) is not installed: not found on PATH")
        }
        let (status, out, err) = try await CommandRunner.run([full, "get"], input: Data(registry.utf8))
        if status != 0 {
            let text = String(decoding: out + err, as: UTF8.self)
            if text.contains("credentials not found") { return nil }
            throw ImageError("\(exe) get failed for \(registry) (exit \(status))")
        }
        guard let obj = CanonicalJSON.decode(out), let u = obj["Username"] as? String, let s = obj["Secret"] as? String else {
            throw ImageError("\(exe) get answered something other than {\"Username\", \"Secret\"} JSON for \(registry)")
        }
        return RegistryCredentials(username: u, password: s, source: "credential helper \(exe)")
    }
}

/// Runs a short command with stdin and captures its whole output, off the cooperative pool: the
/// waiting happens on threads of its own (Dispatch's global queues share their threads with
/// Swift's cooperative pool on Linux, so blocking there starves other tasks).
enum CommandRunner {
    static func run(_ argv: [String], input: Data? = nil, directory: String? = nil, environment: [String: String]? = nil) async throws -> (Int32, Data, Data) {
        try await withCheckedThrowingContinuation { cont in
            Thread {
                cont.resume(with: Result {
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: argv[0])
                    p.arguments = Array(argv.dropFirst())
                    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
                    if let environment { p.environment = environment }
                    let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
                    p.standardInput = inPipe
                    p.standardOutput = outPipe
                    p.standardError = errPipe
                    try p.run()
                    if let input { inPipe.fileHandleForWriting.write(input) }
                    try? inPipe.fileHandleForWriting.close()
                    // Read both pipes concurrently so a chatty command cannot block on a full pipe.
                    let errData = Locked(Data())
                    let g = DispatchGroup()
                    g.enter()
                    Thread { let d = errPipe.fileHandleForReading.readDataToEndOfFile(); errData.withLock { $0 = d }; g.leave() }.start()
                    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
                    g.wait()
                    p.waitUntilExit()
                    return (p.terminationStatus, out, errData.withLock { $0 })
                })
            }.start()
        }
    }
}
