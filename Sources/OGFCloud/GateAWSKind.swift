import Foundation
import OGFAWS
import OGFCore
import OGFHTTP

/// `gate_aws`: the AWS credentials the deploy would use are valid, and for the right account.
/// STS `GetCallerIdentity` needs no IAM permission, so it proves the credentials and nothing more.
public struct GateAWSKind: ResourceKind {
    let http: any HTTPClient
    let now: @Sendable () -> Date

    public init(http: any HTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.http = http
        self.now = now
    }

    public let name = "gate_aws"
    public let role = ResourceRole.gate
    public let checklistName: String? = "aws_credentials_valid"
    public let summary = "Pre-flight: AWS credentials (found as the AWS CLI finds them) are valid, for the expected account (STS GetCallerIdentity)."
    public let schema = Schema([
        FieldSpec("region", .string, default: "us-east-1", doc: "The region whose STS endpoint is asked (sts.REGION.amazonaws.com) and that requests are signed for."),
        FieldSpec("expect_account", .string, doc: "The 12-digit account the credentials must belong to; credentials for another account fail."),
        FieldSpec("endpoint", .string, doc: "An STS endpoint URL instead of the regional one (private endpoints, tests). Empty: the regional endpoint."),
        FieldSpec("profile", .string, doc: "A named profile in the shared credentials or config file; like the CLI's --profile it wins over AWS_ACCESS_KEY_ID. Empty: the AWS CLI's order (environment keys, web identity, AWS_PROFILE, default)."),
    ] + CloudCallSettings.fields)
    public let outputs = ["account": "The account the credentials belong to.", "arn": "The caller's ARN (user or assumed role)."]

    struct Config: Decodable {
        var region: String
        var expectAccount: String?
        var endpoint: String?
        var profile: String?
        var call: CloudCallSettings

        enum CodingKeys: String, CodingKey { case region, expectAccount = "expect_account", endpoint, profile }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            region = try c.decode(String.self, forKey: .region)
            expectAccount = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .expectAccount))
            endpoint = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .endpoint))
            profile = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .profile))
            call = try CloudCallSettings(from: decoder)
            if !Self.isRegion(region) {
                throw Diagnostic.field("region", "\"\(region)\" is not an AWS region; write one such as eu-central-1 or us-east-1")
            }
            if let a = expectAccount, a.count != 12 || !a.allSatisfy(\.isNumber) {
                throw Diagnostic.field("expect_account", "\"\(a)\" is not an AWS account id: it has 12 digits, such as \"123456789012\" (quote it in YAML)")
            }
            if let e = endpoint, !(e.hasPrefix("https://") || e.hasPrefix("http://")) {
                throw Diagnostic.field("endpoint", "\"\(e)\" is not an http(s) URL")
            }
        }

        /// `eu-central-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`.
        static func isRegion(_ r: String) -> Bool {
            let parts = r.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 3, parts.count <= 4, let last = parts.last, last.allSatisfy(\.isNumber), !last.isEmpty else { return false }
            return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLowercase && $0.isLetter } } && parts[0].count == 2
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let client = RetryingHTTPClient(http, c.call, progress: request.progress)
        let sts = STSClient(query: AWSQueryClient(http: client, timeout: c.call.timeout.seconds, now: now), region: c.region, endpoint: c.endpoint)
        let chain = AWSCredentialChain(environment: request.context.variables, baseDirectory: request.context.projectRoot)
        let redact = request.context.redact
        let credentials: AWSCredentials
        do {
            credentials = try await chain.resolve(profile: c.profile, sts: sts)
        } catch let e as AWSError {
            throw ResourceFailure(redact("AWS credentials: \(e.message)"))
        }
        let identity: CallerIdentity
        do {
            identity = try await sts.getCallerIdentity(credentials)
        } catch let e as AWSError {
            throw ResourceFailure(redact("STS GetCallerIdentity with key \(credentials.accessKeyId) (\(credentials.source)) at \(sts.endpoint): \(e.message)" + Self.advice(e)))
        }
        let outputs: [String: Value] = ["account": .string(identity.account), "arn": .string(identity.arn)]
        if let want = c.expectAccount, want != identity.account {
            throw ResourceFailure("the credentials (\(credentials.source)) belong to account \(identity.account) (\(identity.arn)), not the expected \(want); use the deploy credentials for \(want)",
                                  outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "account \(identity.account) as \(identity.arn)")
    }

    /// What to do about the STS errors people meet.
    static func advice(_ e: AWSError) -> String {
        switch e.code {
        case "SignatureDoesNotMatch": return ". The secret access key does not belong to this key id: check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key."
        case "InvalidClientTokenId", "UnrecognizedClientException": return ". AWS does not know this key id: it was deleted, deactivated or mistyped."
        case "ExpiredToken", "ExpiredTokenException": return ". The temporary credentials expired: get new ones (or a new web identity token)."
        case "SignatureExpired", "RequestExpired": return ". The request's date is too far from AWS's clock: check this machine's clock."
        default: return ""
        }
    }
}
