import Foundation
import OGFAWS
import OGFCore
import OGFHTTP

/// The deploying identity's IAM access keys (ListAccessKeys), with credentials resolved as
/// gate_aws resolves them (the AWS CLI's order, from the run's variables). gate_credential_age's
/// `aws:` variant reads key ages through this; the catalogue joins the two, as kind targets never
/// import each other.
public struct IAMAccessKeys: Sendable {
    public struct Key: Sendable, Equatable {
        public var id: String
        public var createdAt: Date
        public var active: Bool
    }

    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    /// `endpoint` overrides IAM's (and STS's, for web identity) — tests and private endpoints.
    public func list(endpoint: String?, profile: String?, context: KindContext) async throws -> [Key] {
        let query = AWSQueryClient(http: http)
        let sts = STSClient(query: query, region: "us-east-1", endpoint: endpoint)
        let chain = AWSCredentialChain(environment: context.variables, baseDirectory: context.projectRoot)
        let credentials: AWSCredentials
        do {
            credentials = try await chain.resolve(profile: profile, sts: sts)
        } catch let e as AWSError {
            throw ResourceFailure(context.redact("AWS credentials: \(e.message)"))
        }
        let iam = IAMClient(query: query, endpoint: endpoint)
        do {
            return try await iam.listAccessKeys(credentials: credentials).map {
                Key(id: $0.accessKeyId, createdAt: $0.createDate, active: $0.status == "Active")
            }
        } catch let e as AWSError {
            throw ResourceFailure(context.redact("IAM ListAccessKeys at \(iam.endpoint) with key \(credentials.accessKeyId.prefix(4))… (\(credentials.source)): \(e.message)"))
        }
    }
}
