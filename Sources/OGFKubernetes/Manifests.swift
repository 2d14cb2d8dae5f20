import Foundation
import OGFYAML
import OGFCore

/// One object from a manifest file, with the REST identity ogf tracks it by.
public struct ManifestObject: Sendable {
    public var object: Value
    public var file: String
    /// The line where the object's YAML document (or `List` item) starts; 0 when not from a file.
    public var line: Int = 0

    /// `FILE:LINE`, for messages about the object as a whole.
    public var position: String { line > 0 ? "\(file):\(line)" : file }

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
        let (out, problems) = substituting(text, file: file)
        if let p = problems.first { throw KubernetesError(Self.message(p)) }
        return out
    }

    /// What `validate` puts where a value is not known yet (a secret, another resource's output).
    static let placeholder = "ogf-value-known-at-plan"

    /// The text with every `${values.NAME}` replaced, and a diagnostic at FILE:LINE:COLUMN for each
    /// name that is not set. Values not known yet (secrets and outputs in `validate`) become a
    /// placeholder; `lenient`: names not in `values` do too.
    func substituting(_ text: String, file: String, lenient: Bool = false) -> (String, [Diagnostic]) {
        var out = ""
        var problems: [Diagnostic] = []
        var rest = Substring(text)
        func location(_ i: Substring.Index) -> SourceLocation {
            let before = text[..<i]
            let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            let column = before.distance(from: before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex, to: before.endIndex) + 1
            return SourceLocation(file: file, line: line, column: column)
        }
        while let open = rest.range(of: "${values.") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                problems.append(.error("unterminated ${values.…}", at: location(open.lowerBound)))
                return (out + rest, problems)
            }
            let name = String(rest[open.upperBound..<close])
            if let v = values[name], v.isKnown {
                out += v.unmarked.stringValue ?? v.unmarked.jsonText(pretty: false)
            } else if values[name] != nil || lenient {
                out += Self.placeholder
            } else {
                problems.append(.error("${values.\(name)} is not set; add it under `values:` (known: \(values.keys.sorted().joined(separator: ", ")))",
                                       at: location(open.lowerBound)))
            }
            rest = rest[rest.index(after: close)...]
        }
        return (out + rest, problems)
    }

    static func message(_ d: Diagnostic) -> String {
        (d.location.map { "\($0): " } ?? "") + d.summary + (d.detail.map { " (\($0))" } ?? "")
    }

    public func load(paths: [String], defaultNamespace: String?) throws -> [ManifestObject] {
        let (objects, problems) = read(paths: paths, defaultNamespace: defaultNamespace)
        if let p = problems.first { throw KubernetesError(Self.message(p)) }
        return objects
    }

    /// Every problem the files have without asking a server: unreadable files, YAML errors (at
    /// FILE:LINE:COLUMN), `${values.X}` that are not set, objects without apiVersion, kind or
    /// metadata.name, kinds that Kubernetes' own API groups do not have. What `ogf validate` reports.
    /// `valuesKnown` false: the `values` map itself is not known yet, so any `${values.X}` passes.
    public func check(paths: [String], valuesKnown: Bool = true) -> [Diagnostic] {
        let (objects, problems) = read(paths: paths, defaultNamespace: nil, lenient: !valuesKnown)
        let kinds = objects.compactMap { o in
            StandardKinds.problem(apiVersion: o.apiVersion, kind: o.kind).map { Diagnostic.error($0, at: SourceLocation(file: o.file, line: o.line, column: 1)) }
        }
        return problems + kinds
    }

    func read(paths: [String], defaultNamespace: String?, lenient: Bool = false) -> ([ManifestObject], [Diagnostic]) {
        var objects: [ManifestObject] = []
        var problems: [Diagnostic] = []
        for path in paths {
            guard let raw = try? String(contentsOfFile: path, encoding: .utf8) else {
                problems.append(.error("cannot read manifest \(path)"))
                continue
            }
            let (text, substitution) = substituting(raw, file: path, lenient: lenient)
            problems += substitution
            let (docs, diags) = YAMLParser().parseAll(text, file: path)
            problems += diags.filter { $0.severity == .error }
            for doc in docs {
                guard case .map(let m) = doc.value else { continue }
                if m["kind"]?.stringValue == "List" {
                    for item in doc["items"]?.sequence ?? [] {
                        objects.append(ManifestObject(object: item.value, file: path, line: item.location.line))
                    }
                } else {
                    objects.append(ManifestObject(object: doc.value, file: path, line: doc.location.line))
                }
            }
        }
        var valid: [ManifestObject] = []
        for o in objects {
            var missing: [String] = []
            if o.apiVersion.isEmpty { missing.append("apiVersion") }
            if o.kind.isEmpty { missing.append("kind") }
            if o.name.isEmpty { missing.append("metadata.name") }
            guard missing.isEmpty else {
                problems.append(.error("this object has no \(missing.joined(separator: ", ")); every object needs apiVersion, kind and metadata.name",
                                       at: SourceLocation(file: o.file, line: o.line, column: 1)))
                continue
            }
            var o = o
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
            o.object = Self.markSensitive(.map(obj), secrets: secretTexts)
            valid.append(o)
        }
        // Namespaces and the things pods mount come first: later objects need them.
        let sorted = valid.enumerated().sorted { a, b in
            let (pa, pb) = (Self.order(a.element.kind), Self.order(b.element.kind))
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
        return (sorted, problems)
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
