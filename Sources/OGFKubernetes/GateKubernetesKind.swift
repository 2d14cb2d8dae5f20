import Foundation
import OGFCore
import OGFHTTP

/// `gate_kubernetes`: before anything changes, the cluster answers `/version` and the
/// credentials may do what the plan needs (a SelfSubjectAccessReview per verb and resource).
public struct GateKubernetesKind: ResourceKind {
    let access: ClusterAccess

    public init(http: any HTTPClient) { access = ClusterAccess(http: http) }

    public let name = "gate_kubernetes"
    public let role = ResourceRole.gate
    public let checklistName: String? = "kubernetes_cluster_access"
    public let summary = "Pre-flight: the cluster answers and the credentials may apply, list and delete what the plan needs."
    public let schema = Schema([
        FieldSpec("resources", .list(.string), default: .list(["deployments.apps", "services", "configmaps", "secrets", "ingresses.networking.k8s.io"]),
                  doc: "Resources (plural, with group) the plan manages."),
        FieldSpec("verbs", .list(.string), default: .list(["get", "list", "create", "patch", "delete"]), doc: "Verbs the credentials need on each."),
    ] + ClusterAccess.connectionFields)
    public let outputs = ["server_version": "The API server's gitVersion."]

    struct Config: Decodable {
        var resources: [String]
        var verbs: [String]
        var cluster: ClusterAccess.Settings

        /// The verbs Kubernetes authorizes; anything else is a typo that every review would deny.
        static let knownVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
                                 "use", "bind", "escalate", "impersonate", "approve", "sign", "*"]

        enum CodingKeys: String, CodingKey { case resources, verbs }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            resources = try c.decode([String].self, forKey: .resources)
            verbs = try c.decode([String].self, forKey: .verbs)
            cluster = try ClusterAccess.Settings(from: decoder)
            for (i, r) in resources.enumerated() {
                if r.isEmpty { throw Diagnostic.field("resources[\(i)]", "is empty: name a resource such as deployments.apps") }
                if r.contains(where: { $0.isUppercase || $0 == "/" }) {
                    throw Diagnostic.field("resources[\(i)]", "\"\(r)\" is not a resource: write the plural resource with its group, such as deployments.apps or services")
                }
            }
            for (i, v) in verbs.enumerated() where !Self.knownVerbs.contains(v) {
                throw Diagnostic.field("verbs[\(i)]", "\"\(v)\" is not a Kubernetes verb." + Suggestion.didYouMean(v, Self.knownVerbs),
                                       detail: "Verbs: \(Self.knownVerbs.joined(separator: ", ")).")
            }
        }
    }

    /// A wrong field is an error at its position now rather than a denied review at apply.
    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let config = try request.decode(Config.self)
        let client: KubeClient
        do { client = try access.client(config.cluster, context: request.context) } catch { throw ResourceFailure("\(error)") }
        let server = client.connection.server
        let version: String
        do {
            version = try await client.request("GET", "/version")["gitVersion"]?.stringValue ?? "?"
        } catch {
            throw ResourceFailure(ClusterAccess.describe(error, server: server))
        }
        let namespace = config.cluster.namespace ?? client.connection.namespace
        let (resources, verbs) = (config.resources, config.verbs)
        let checks = resources.flatMap { r in verbs.map { (r, $0) } }
        let answers: [String?]
        do {
            answers = try await concurrentMap(checks, limit: 8) { r, verb -> String? in
                let parts = r.split(separator: ".", maxSplits: 1).map(String.init)
                let review: Value = .map([
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                    "spec": .map(["resourceAttributes": .map(["verb": .string(verb), "resource": .string(parts[0]),
                                                              "group": .string(parts.count > 1 ? parts[1] : ""), "namespace": .string(namespace)])]),
                ])
                let answer = try await client.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: review)
                return answer["status"]?["allowed"]?.boolValue == true ? nil : "\(verb) \(r)"
            }
        } catch {
            throw ResourceFailure(ClusterAccess.describe(error, server: server))
        }
        let denied = answers.compactMap { $0 }
        if !denied.isEmpty {
            throw ResourceFailure("the credentials of context \(client.connection.contextName) may not \(denied.joined(separator: ", ")) in namespace \(namespace)",
                                  outputs: ["server_version": .string(version)])
        }
        return ApplyResponse(outputs: ["server_version": .string(version)],
                             summary: "\(server) \(version), \(resources.count * verbs.count) permissions in \(namespace)")
    }
}
