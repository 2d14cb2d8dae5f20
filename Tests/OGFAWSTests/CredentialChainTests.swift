import Foundation
import Testing
@testable import OGFAWS

/// The AWS CLI's order, with a throwaway HOME and files of our own.
@Suite struct CredentialChainTests {
    let home: String

    init() throws {
        home = NSTemporaryDirectory() + "ogf-aws-chain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = default-secret

        [ci]
        aws_access_key_id=AKIACI
        aws_secret_access_key=ci-secret
        aws_session_token = ci-token
        """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try """
        [default]
        region = eu-central-1
        [profile fromconfig]
        aws_access_key_id = AKIACONFIG
        aws_secret_access_key = config-secret
        [profile webid]
        role_arn = arn:aws:iam::123456789012:role/deploy
        web_identity_token_file = token.jwt
        [profile chained]
        role_arn = arn:aws:iam::123456789012:role/x
        source_profile = default
        """.write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
    }

    func chain(_ env: [String: String]) -> AWSCredentialChain {
        AWSCredentialChain(environment: ["HOME": home].merging(env) { $1 }, baseDirectory: home)
    }

    func keys(_ s: AWSCredentialChain.Source) -> AWSCredentials? {
        if case .keys(let c) = s { return c }
        return nil
    }

    @Test func environmentKeysComeFirstEvenWithAWSProfile() throws {
        let c = try #require(keys(chain(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "t", "AWS_PROFILE": "ci"]).find()))
        #expect(c.accessKeyId == "AKIAENV")
        #expect(c.sessionToken == "t")
        #expect(c.source.contains("environment"))
    }

    @Test func anExplicitProfileWinsOverEnvironmentKeys() throws {
        let c = try #require(keys(chain(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]).find(profile: "ci")))
        #expect(c.accessKeyId == "AKIACI")
        #expect(c.secretAccessKey == "ci-secret")
        #expect(c.sessionToken == "ci-token")
    }

    @Test func awsProfileThenDefaultInTheSharedCredentialsFile() throws {
        #expect(try keys(chain(["AWS_PROFILE": "ci"]).find())?.accessKeyId == "AKIACI")
        #expect(try keys(chain([:]).find())?.accessKeyId == "AKIADEFAULT")
    }

    @Test func theConfigFileIsReadAfterTheCredentialsFile() throws {
        let c = try #require(keys(chain(["AWS_PROFILE": "fromconfig"]).find()))
        #expect(c.accessKeyId == "AKIACONFIG")
        #expect(c.source.contains("config"))
    }

    @Test func filesNamedByTheEnvironmentReplaceTheDefaults() throws {
        let alt = home + "/alt-credentials"
        try "[default]\naws_access_key_id = AKIAALT\naws_secret_access_key = s\n".write(toFile: alt, atomically: true, encoding: .utf8)
        #expect(try keys(chain(["AWS_SHARED_CREDENTIALS_FILE": "alt-credentials"]).find())?.accessKeyId == "AKIAALT")
    }

    @Test func webIdentityFromTheEnvironmentAndFromAProfile() throws {
        guard case .webIdentity(let role, let file, let session) = try chain(["AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_ROLE_SESSION_NAME": "ci-42"]).find() else {
            Issue.record("expected web identity")
            return
        }
        #expect(role == "arn:aws:iam::1:role/r" && file == "/var/run/token" && session == "ci-42")
        guard case .webIdentity(let role2, let file2, _) = try chain(["AWS_PROFILE": "webid"]).find() else {
            Issue.record("expected web identity from the profile")
            return
        }
        #expect(role2 == "arn:aws:iam::123456789012:role/deploy")
        #expect(file2 == home + "/token.jwt")
    }

    @Test func whatCannotWorkIsSaidWithoutSecrets() {
        #expect(throws: AWSError.self) { try chain(["AWS_ACCESS_KEY_ID": "AKIAENV"]).find() }
        #expect(throws: AWSError.self) { try chain(["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"]).find() }
        do {
            _ = try chain(["AWS_PROFILE": "chained"]).find()
            Issue.record("source_profile should be refused")
        } catch {
            #expect("\(error)".contains("source_profile"))
        }
        do {
            _ = try chain(["AWS_PROFILE": "nope"]).find()
            Issue.record("a missing profile should fail")
        } catch {
            #expect("\(error)".contains("profile nope was not found"))
            #expect(!"\(error)".contains("default-secret"))
        }
        let empty = AWSCredentialChain(environment: ["HOME": home + "/nowhere"], baseDirectory: home)
        #expect(throws: AWSError.self) { try empty.find() }
    }

    @Test func iniParsingIgnoresCommentsAndNestedSettings() {
        let ini = INIFile("# c\n[a]\nx = 1\n; c\ns3 =\n  max_concurrent_requests = 20\ny=2 \n")
        #expect(ini["a"] == ["x": "1", "s3": "", "y": "2"])
    }
}
