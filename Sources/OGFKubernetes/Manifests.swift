import Foundation
import OGFYAML
import OGFCore

/// One object from a manifest file, with the REST identity ogf tracks it by.
public struct ManifestObject: Sendable {
    public var object: Value
    public var file: String

    public var apiVersion: String { object["apiVersion"]?.stringValue ?? "" }
    public var kind: String { object["kind"]?.stringValue ?? "" }
    public var name: String { object["metadata"]?["name"]?.stringValue ?? "" }
    public var namespace: String? { object["metadata"]?["namespace"]?.stringValue }

    /// `apiVersion|kind|namespace|name`: what state records, so prune can find it again.
    public var id: String { ObjectID(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name).text }
}

/// An object's identity as recorded in state.
public struct ObjectID: Hashable, Sendable {
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String?, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public init?(text: String) {
        let p = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 4 else { return nil }
        self.init(apiVersion: p[0], kind: p[1], namespace: p[2].isEmpty ? nil : p[2], name: p[3])
    }

    public var text: String { "\(apiVersion)|\(kind)|\(namespace ?? "")|\(name)" }
    /// `deployment/api`, as kubectl prints it.
    public var display: String { "\(kind.lowercased())/\(name)" }
}

/// Reads manifest files: several YAML documents per file, `${values.NAME}` replaced by the
/// resource's resolved `values`, ogf's labels added and the namespace defaulted.
public struct ManifestLoader: Sendable {
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let environmentLabel = "ogf.dev/environment"
    public static let resourceLabel = "ogf.dev/resource"

    public var values: [String: Value]
    public var environment: String
    public var resource: String

    public init(values: [String: Value], environment: String, resource: String) {
        self.values = values
        self.environment = environment
        self.resource = resource
    }

    /// The text with `${values.NAME}` replaced; an unknown name is an error that names the file.
    public func substitute(_ text: String, file: String) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${values.") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw KubernetesError("\(file): unterminated ${values.…}") }
            let name = String(rest[open.upperBound..<close])
            guard let v = values[name] else {
                throw KubernetesError("\(file): ${values.\(name)} is not set; add it under `values:` (known: \(values.keys.sorted().joined(separator: ", ")))")
            }
            out += v.unmarked.stringValue ?? v.unmarked.jsonText(pretty: false)
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    public func load(paths: [String], defaultNamespace: String?) throws -> [ManifestObject] {
        var objects: [ManifestObject] = []
        for path in paths {
            guard let raw = try? String(contentsOfFile: path, encoding: .utf8) else { throw KubernetesError("cannot read manifest \(path)") }
            let text = try substitute(raw, file: path)
            let (docs, diags) = YAMLParser().parseAll(text, file: path)
            if let d = diags.first(where: { $0.severity == .error }) { throw KubernetesError("\(path): \(d.summary)") }
            for doc in docs {
                let v = doc.value
                guard case .map = v else { continue }
                if v["kind"]?.stringValue == "List" {
                    for item in v["items"]?.listValue ?? [] { objects.append(ManifestObject(object: item, file: path)) }
                } else {
                    objects.append(ManifestObject(object: v, file: path))
                }
            }
        }
        for i in objects.indices {
            let o = objects[i]
            guard !o.apiVersion.isEmpty, !o.kind.isEmpty, !o.name.isEmpty else {
                throw KubernetesError("\(o.file): every object needs apiVersion, kind and metadata.name")
            }
            var meta = o.object["metadata"]?.mapValue ?? [:]
            var labels = meta["labels"]?.mapValue ?? [:]
            labels[Self.managedByLabel] = .string("ogf")
            labels[Self.environmentLabel] = .string(environment)
            labels[Self.resourceLabel] = .string(resource)
            meta["labels"] = .map(labels)
            if meta["namespace"] == nil, let defaultNamespace, !Self.clusterScopedKinds.contains(o.kind) {
                meta["namespace"] = .string(defaultNamespace)
            }
            var obj = o.object.mapValue ?? [:]
            obj["metadata"] = .map(meta)
            objects[i].object = Self.markSensitive(.map(obj), secrets: secretTexts)
        }
        // Namespaces and the things pods mount come first: later objects need them.
        return objects.enumerated().sorted { a, b in
            let (pa, pb) = (Self.order(a.element.kind), Self.order(b.element.kind))
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
    }

    /// The text of every sensitive value (from `${secret.X}`): substitution into YAML loses the
    /// mark, so strings containing one are marked again after parsing.
    var secretTexts: [String] {
        values.values.filter(\.isSensitive).compactMap { $0.unmarked.stringValue }.filter { $0.count >= 4 }
    }

    /// Marks every string that contains a secret as sensitive: plans show `(sensitive)` and
    /// state keeps only a salted hash, while the API still receives the value (`unmarked`).
    static func markSensitive(_ v: Value, secrets: [String]) -> Value {
        guard !secrets.isEmpty else { return v }
        switch v {
        case .string(let s): return secrets.contains { s.contains($0) } ? .sensitive(v) : v
        case .list(let xs): return .list(xs.map { markSensitive($0, secrets: secrets) })
        case .map(let m): return .map(m.mapValues { markSensitive($0, secrets: secrets) })
        default: return v
        }
    }

    /// Cluster-scoped kinds known without discovery; discovery decides for everything else.
    static let clusterScopedKinds: Set<String> = ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                                                  "PersistentVolume", "StorageClass", "IngressClass", "PriorityClass"]

    public static func order(_ kind: String) -> Int {
        switch kind {
        case "Namespace", "CustomResourceDefinition": return 0
        case "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "PersistentVolumeClaim": return 1
        case "Service": return 2
        case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet": return 3
        default: return 4
        }
    }
}
