import Foundation
import OGFCore
import OGFHTTP

/// `gate_registry`: before anything is pushed, each registry answers and the credentials may
/// push to each configured repository. Checked without pushing an image: an upload session is
/// opened (which needs push rights) and cancelled at once.
public struct GateRegistryKind: ResourceKind {
    let http: any HTTPClient
    let helpers: any CredentialHelperRunner

    public init(http: any HTTPClient, helpers: any CredentialHelperRunner = SpawnCredentialHelperRunner()) {
        self.http = http
        self.helpers = helpers
    }

    public let name = "gate_registry"
    public let role = ResourceRole.gate
    public let checklistName: String? = "docker_registry_auth"
    public let summary = "Registry pre-flight: the registry answers and the credentials may push to the repositories."
    public let schema = Schema([
        FieldSpec("repositories", .list(.string), required: true, doc: "Repositories to check, e.g. 127.0.0.1:5000/offgridflow/api."),
    ] + RegistryAccess.fields)
    public let outputs = ["checked": "How many repositories were checked."]

    struct Config: Decodable {
        var repositories: [ImageReference]
        var registry: RegistryAccess.Settings

        enum CodingKeys: String, CodingKey { case repositories }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let texts = try c.decode([String].self, forKey: .repositories)
            guard !texts.isEmpty else { throw Diagnostic.field("repositories", "is empty: name at least one repository to check") }
            repositories = try texts.enumerated().map { i, text in
                do { return try ImageReference.parse(text) } catch let e as ImageError { throw Diagnostic.field("repositories[\(i)]", e.message) }
            }
            registry = try RegistryAccess.Settings(from: decoder)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let access = RegistryAccess(http: http, helpers: helpers, settings: c.registry, context: request.context)
        let repos = c.repositories
        var problems: [String] = []
        for ref in repos {
            do {
                let client = access.client(ref.registry)
                let scope = RegistryClient.pushScope(ref.repository)
                let status = try await client.ping(scope: scope)
                guard status == 200 else { problems.append("\(ref.name): GET /v2/ answered \(status)"); continue }
                if let loc = try await client.startUpload(ref.repository) {
                    try await client.cancelUpload(loc, repo: ref.repository)
                }
            } catch {
                problems.append(request.context.redact("\(error)"))
            }
        }
        if !problems.isEmpty {
            throw ResourceFailure(problems.joined(separator: "\n"), outputs: ["checked": .int(repos.count)])
        }
        return ApplyResponse(outputs: ["checked": .int(repos.count)], summary: "\(repos.count) repositor\(repos.count == 1 ? "y" : "ies") writable")
    }
}
