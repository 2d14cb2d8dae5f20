import Foundation
import OGFCore

extension K8sManifestKind {
    /// The `k8s_manifest` configuration, decoded once per plan or apply (schema defaults are
    /// filled in by the engine, so none is repeated here). Values the kind cannot use — an empty
    /// files list, a negative `max_restarts`, a zero `timeout`, a `max_surge` that is neither a
    /// count nor a percentage, blue-green fields on a rolling resource — are diagnostics at their
    /// field when planning, not failures at apply.
    struct Config: Decodable, Sendable {
        enum Strategy: String, Decodable, Sendable, CaseIterable {
            case rolling
            case blueGreen = "blue-green"
        }

        /// A rolling-update bound: a number of pods or a percentage of them, as Kubernetes takes it.
        enum IntOrPercent: Equatable, Sendable {
            case count(Int)
            case percent(Int)

            init?(_ text: String) {
                if let n = Int(text), n >= 0 {
                    self = .count(n)
                } else if text.hasSuffix("%"), let n = Int(text.dropLast()), n >= 0 {
                    self = .percent(n)
                } else {
                    return nil
                }
            }

            var isZero: Bool { self == .count(0) || self == .percent(0) }
            /// As the Deployment's spec writes it: 1 or "25%".
            var value: Value {
                switch self {
                case .count(let n): return .int(n)
                case .percent(let n): return .string("\(n)%")
                }
            }
        }

        var files: [String]
        /// Passed untouched: entries keep their sensitive marks (secrets in manifests stay
        /// redacted), and may be known only after apply (image digests).
        var values: Value?
        var strategy: Strategy
        var previewChecks: [String]
        var checks: [String]
        var keepOld: ConfigDuration
        var maxSurge: IntOrPercent?
        var maxUnavailable: IntOrPercent?
        var timeout: ConfigDuration
        var maxRestarts: Int
        var version: String?
        /// Recorded with the release as given (a number or text); may be known only after apply.
        var schemaVersion: Value?
        var prune: Bool
        var rollback: Bool
        var cluster: ClusterAccess.Settings

        var isBlueGreen: Bool { strategy == .blueGreen }

        enum CodingKeys: String, CodingKey {
            case files, values, strategy, previewChecks = "preview_checks", checks, keepOld = "keep_old"
            case maxSurge = "max_surge", maxUnavailable = "max_unavailable", timeout, maxRestarts = "max_restarts"
            case version, schemaVersion = "schema_version", prune, rollback
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            files = try c.decode([String].self, forKey: .files)
            if files.isEmpty { throw Diagnostic.field("files", "is empty: list the manifest files, such as [k8s/app.yaml]") }
            if let i = files.firstIndex(of: "") { throw Diagnostic.field("files[\(i)]", "is empty: name a manifest file, such as k8s/app.yaml") }
            values = try c.decodeIfPresent(Value.self, forKey: .values)
            if let v = values, v.isKnown, v.mapValue == nil {
                throw Diagnostic.field("values", "expected a mapping of names to values, got \(v.unmarked.typeName)", code: .wrongType)
            }
            let strategyText = try c.decode(String.self, forKey: .strategy)
            guard let strategy = Strategy(rawValue: strategyText) else {
                // Worded as the schema check words a literal (a value from ${var.X} gets here).
                let message = FieldType.oneOf(Strategy.allCases.map(\.rawValue)).check(.string(strategyText)) ?? "unknown strategy"
                throw Diagnostic.field("strategy", message, code: .wrongType)
            }
            self.strategy = strategy
            previewChecks = try c.decodeIfPresent([String].self, forKey: .previewChecks) ?? []
            checks = try c.decodeIfPresent([String].self, forKey: .checks) ?? []
            keepOld = try c.decode(ConfigDuration.self, forKey: .keepOld)
            if strategy != .blueGreen {
                // Silently ignored before: checks the user expects to guard the release never ran.
                for (key, used) in [(CodingKeys.previewChecks, !previewChecks.isEmpty), (.checks, !checks.isEmpty), (.keepOld, keepOld.seconds > 0)] where used {
                    throw Diagnostic.field(key.rawValue, "is used only with strategy: blue-green (this resource rolls out with strategy: \(strategy.rawValue))",
                                           detail: "Remove it, or set strategy: blue-green.")
                }
            }
            maxSurge = try Self.bound(c, .maxSurge)
            maxUnavailable = try Self.bound(c, .maxUnavailable)
            if case .percent(let n)? = maxUnavailable, n > 100 {
                throw Diagnostic.field("max_unavailable", "must be at most 100%, got \(n)%")
            }
            if maxSurge?.isZero == true, maxUnavailable?.isZero == true {
                throw Diagnostic.field("max_unavailable", "cannot be 0 when max_surge is 0: the rollout could never replace a pod")
            }
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
            if timeout.seconds <= 0 { throw Diagnostic.field("timeout", "must be more than 0s: it is how long workloads have to become ready") }
            maxRestarts = try c.decode(Int.self, forKey: .maxRestarts)
            if maxRestarts < 0 { throw Diagnostic.field("max_restarts", "must be 0 or more, got \(maxRestarts)") }
            version = try c.decodeIfPresent(String.self, forKey: .version)
            schemaVersion = try c.decodeIfPresent(Value.self, forKey: .schemaVersion)
            prune = try c.decode(Bool.self, forKey: .prune)
            rollback = try c.decode(Bool.self, forKey: .rollback)
            cluster = try ClusterAccess.Settings(from: decoder)
        }

        static func bound(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> IntOrPercent? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let bound = IntOrPercent(text) else {
                throw Diagnostic.field(key.rawValue, "expected a number of pods or a percentage, such as 1 or 25%, got \"\(text)\"")
            }
            return bound
        }

        /// Every value the manifests use is known (image digests are not until their image is built).
        var valuesKnown: Bool { (values?.isKnown ?? true) && (schemaVersion?.isKnown ?? true) }

        /// The rollout waiter for this resource: the one place `timeout` and `max_restarts` are read.
        func waiter(client: KubeClient, discovery: Discovery, pollInterval: Double, progress: @escaping @Sendable (String) -> Void) -> RolloutWaiter {
            RolloutWaiter(client: client, discovery: discovery, pollInterval: pollInterval, timeout: timeout.seconds, maxRestarts: maxRestarts, progress: progress)
        }
    }

    /// The files' objects as the small offline check (`ogf validate`) reads them: only `files`
    /// and `values`, so fields known only with the environment (a kubeconfig from ${env.X}) do
    /// not stop it.
    struct ManifestSources: Decodable {
        var files: [String]
        var values: Value?

        enum CodingKeys: String, CodingKey { case files, values }
    }
}
