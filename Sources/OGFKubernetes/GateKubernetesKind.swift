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
    public let summary = "Pre-flight: the cluster answers and the credentials may apply, list and delete what the plan needs."
    public let schema = Schema([
        FieldSpec("resources", .list(.string), default: .list(["deployments.apps", "services", "configmaps", "secrets", "ingresses.networking.k8s.io"]),
                  doc: "Resources (plural, with group) the plan manages."),
        FieldSpec("verbs", .list(.string), default: .list(["get", "list", "create", "patch", "delete"]), doc: "Verbs the credentials need on each."),
    ] + ClusterAccess.connectionFields)
    public let outputs = ["server_version": "The API server's gitVersion."]

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let client: KubeClient
        do { client = try access.client(request.config, context: request.context) } catch { throw ResourceFailure("\(error)") }
        let server = client.connection.server
        let version: String
        do {
            version = try await client.request("GET", "/version")["gitVersion"]?.stringValue ?? "?"
        } catch {
            throw ResourceFailure(ClusterAccess.describe(error, server: server))
        }
        let namespace = request.config["namespace"]?.stringValue ?? client.connection.namespace
        let resources = (request.config["resources"]?.listValue ?? []).compactMap(\.stringValue)
        let verbs = (request.config["verbs"]?.listValue ?? []).compactMap(\.stringValue)
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
