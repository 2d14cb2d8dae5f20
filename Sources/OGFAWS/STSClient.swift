import Foundation

/// Who the credentials belong to, from STS `GetCallerIdentity`.
public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userId: String
}

/// The two STS calls ogf makes: `GetCallerIdentity` (any valid credentials may call it, no IAM
/// permission needed) and `AssumeRoleWithWebIdentity` (unsigned: the token is the proof).
public struct STSClient: Sendable {
    public var query: AWSQueryClient
    public var region: String
    public var endpoint: String

    public init(query: AWSQueryClient, region: String, endpoint: String? = nil) {
        self.query = query
        self.region = region
        self.endpoint = AWSQueryClient.stsEndpoint(region: region, override: endpoint)
    }

    static let version = "2011-06-15"

    public func getCallerIdentity(_ credentials: AWSCredentials) async throws -> CallerIdentity {
        let xml = try await query.call(service: "sts", region: region, endpoint: endpoint, action: "GetCallerIdentity",
                                       version: Self.version, credentials: credentials)
        guard let account = XMLText.first("Account", in: xml), let arn = XMLText.first("Arn", in: xml) else {
            throw AWSError("STS GetCallerIdentity at \(endpoint) answered without Account and Arn; is the endpoint an STS endpoint?")
        }
        return CallerIdentity(account: account, arn: arn, userId: XMLText.first("UserId", in: xml) ?? "")
    }

    public func assumeRoleWithWebIdentity(roleArn: String, sessionName: String, token: String) async throws -> AWSCredentials {
        let xml = try await query.call(service: "sts", region: region, endpoint: endpoint, action: "AssumeRoleWithWebIdentity",
                                       version: Self.version,
                                       parameters: [("RoleArn", roleArn), ("RoleSessionName", sessionName), ("WebIdentityToken", token)],
                                       credentials: nil)
        guard let id = XMLText.first("AccessKeyId", in: xml), let secret = XMLText.first("SecretAccessKey", in: xml) else {
            throw AWSError("STS AssumeRoleWithWebIdentity at \(endpoint) answered without credentials")
        }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: xml),
                              source: "web identity (role \(roleArn))")
    }
}
