import Foundation

/// The runtime settings an image carries (entrypoint, cmd, env, workdir, user, labels, ports).
/// Unset fields inherit the base image's.
public struct RuntimeSettings: Sendable, Equatable {
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// Ordered by key so the config bytes are stable.
    public var env: [String: String] = [:]
    public var workdir: String?
    public var user: String?
    public var labels: [String: String] = [:]
    /// `8080` or `8080/tcp`, `53/udp`.
    public var exposedPorts: [String] = []

    public init() {}

    /// A stable text form for the input hash.
    var fingerprint: String {
        "entrypoint=\(entrypoint ?? [])|cmd=\(cmd ?? [])|env=\(env.sorted { $0.key < $1.key })|workdir=\(workdir ?? "")"
            + "|user=\(user ?? "")|labels=\(labels.sorted { $0.key < $1.key })|ports=\(exposedPorts.sorted())"
    }
}

/// Writes an image config (the OCI image-spec `config.json`), merged over a base image's.
enum ImageConfigWriter {
    static func make(base: [String: Any]?, settings s: RuntimeSettings, platform: Platform, diffIDs: [Digest],
                     created: Int, history: [String]) -> Data {
        var baseConfig = (base?["config"] as? [String: Any]) ?? [:]
        if let e = s.entrypoint {
            baseConfig["Entrypoint"] = e
            // As in a Dockerfile: a new entrypoint drops the base image's cmd unless one is given.
            if s.cmd == nil { baseConfig.removeValue(forKey: "Cmd") }
        }
        if let c = s.cmd { baseConfig["Cmd"] = c }
        var env: [String] = (baseConfig["Env"] as? [String]) ?? []
        for (k, v) in s.env.sorted(by: { $0.key < $1.key }) {
            env.removeAll { $0.hasPrefix(k + "=") }
            env.append("\(k)=\(v)")
        }
        if !env.isEmpty { baseConfig["Env"] = env }
        if let w = s.workdir { baseConfig["WorkingDir"] = w }
        if let u = s.user { baseConfig["User"] = u }
        if !s.labels.isEmpty {
            var labels = (baseConfig["Labels"] as? [String: Any]) ?? [:]
            for (k, v) in s.labels { labels[k] = v }
            baseConfig["Labels"] = labels
        }
        if !s.exposedPorts.isEmpty {
            var ports = (baseConfig["ExposedPorts"] as? [String: Any]) ?? [:]
            for p in s.exposedPorts { ports[p.contains("/") ? p : p + "/tcp"] = [String: Any]() }
            baseConfig["ExposedPorts"] = ports
        }
        let createdText = Self.timestamp(created)
        var hist = (base?["history"] as? [[String: Any]]) ?? []
        for h in history { hist.append(["created": createdText, "created_by": h]) }
        let baseDiffs = ((base?["rootfs"] as? [String: Any])?["diff_ids"] as? [String]) ?? []
        var obj: [String: Any] = [
            "architecture": platform.architecture,
            "os": platform.os,
            "created": createdText,
            "config": baseConfig,
            "rootfs": ["type": "layers", "diff_ids": baseDiffs + diffIDs.map(\.value)],
            "history": hist,
        ]
        if let v = platform.variant { obj["variant"] = v }
        return CanonicalJSON.encode(obj)
    }

    static func timestamp(_ epoch: Int) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}

/// Writes manifests and indexes with stable bytes.
enum ManifestWriter {
    static func manifest(format: ManifestFormat, config: Descriptor, layers: [Descriptor]) -> Data {
        CanonicalJSON.encode([
            "schemaVersion": 2,
            "mediaType": format.manifest,
            "config": config.json,
            "layers": layers.map(\.json),
        ] as [String: Any])
    }

    static func index(format: ManifestFormat, manifests: [(Descriptor, Platform)]) -> Data {
        CanonicalJSON.encode([
            "schemaVersion": 2,
            "mediaType": format.index,
            "manifests": manifests.map { d, p in d.json.merging(["platform": p.json]) { $1 } },
        ] as [String: Any])
    }
}
