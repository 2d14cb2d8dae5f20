import OGFCloud
import OGFCore
import OGFDatabase

/// Joins gate_credential_age (OGFDatabase) to OGFCloud's IAM client: kind targets never import
/// each other, so the catalogue, which knows both, hands the one to the other.
struct IAMAccessKeyAgeReader: AccessKeyAgeReader {
    let keys: IAMAccessKeys

    func accessKeys(endpoint: String?, profile: String?, context: KindContext) async throws -> [AccessKeyAge] {
        try await keys.list(endpoint: endpoint, profile: profile, context: context).map {
            AccessKeyAge(id: $0.id, createdAt: $0.createdAt, active: $0.active)
        }
    }
}
