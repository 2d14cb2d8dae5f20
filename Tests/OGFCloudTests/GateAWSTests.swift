import Foundation
import OGFCore
import OGFHTTP
import Testing
@testable import OGFCloud

/// gate_aws against moto (scripts/services/moto.sh, IAM authentication on).
@Suite struct GateAWSTests {
    static let endpoint = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_MOTO_PORT"] ?? "17100")"
    static let credentialsFile = Paths.root + "/.ci-servers/aws/credentials"

    func config(_ extra: [String: Value] = [:]) -> [String: Value] {
        ["region": "eu-central-1", "endpoint": .string(Self.endpoint), "profile": "ogf-local"].merging(extra) { $1 }
    }

    var vars: [String: String] { ["AWS_SHARED_CREDENTIALS_FILE": Self.credentialsFile] }

    @Test func validCredentialsReportAccountAndARN() async throws {
        let r = try await GateAWSKind(http: CurlHTTPClient()).run(config(["expect_account": "123456789012"]), context(variables: vars))
        #expect(r.summary == "account 123456789012 as arn:aws:iam::123456789012:user/ogf-admin")
        #expect(r.outputs["account"] == .string("123456789012"))
    }

    @Test func environmentKeysAreUsedWithoutAProfile() async throws {
        let text = try String(contentsOfFile: Self.credentialsFile, encoding: .utf8)
        func value(_ k: String) -> String { text.split(separator: "\n").first { $0.hasPrefix(k) }!.split(separator: "=")[1].trimmingCharacters(in: .whitespaces) }
        let env = ["AWS_ACCESS_KEY_ID": value("aws_access_key_id"), "AWS_SECRET_ACCESS_KEY": value("aws_secret_access_key")]
        #expect(await GateAWSKind(http: CurlHTTPClient()).failure(["region": "eu-central-1", "endpoint": .string(Self.endpoint)], context(variables: env)) == nil)
    }

    @Test func theWrongAccountFails() async throws {
        let msg = try #require(await GateAWSKind(http: CurlHTTPClient()).failure(config(["expect_account": "210987654321"]), context(variables: vars)))
        #expect(msg.contains("belong to account 123456789012") && msg.contains("not the expected 210987654321"), "\(msg)")
    }

    @Test func aWrongSecretIs403SignatureDoesNotMatchWithoutTheSecret() async throws {
        let env = ["AWS_ACCESS_KEY_ID": "AKIAOGFCLOUDTEST0000", "AWS_SECRET_ACCESS_KEY": "ogf-cloud-wrong-secret"]
        let msg = try #require(await GateAWSKind(http: CurlHTTPClient()).failure(["region": "eu-central-1", "endpoint": .string(Self.endpoint)],
                                                                               context(variables: env, secrets: ["ogf-cloud-wrong-secret"])))
        #expect(msg.contains("answered 403 InvalidClientTokenId") && msg.contains("AWS does not know this key id"), "\(msg)")
        #expect(!msg.contains("ogf-cloud-wrong-secret"))
        let admin = try String(contentsOfFile: Self.credentialsFile, encoding: .utf8)
        let id = admin.split(separator: "\n").first { $0.hasPrefix("aws_access_key_id") }!.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)
        let bad = try #require(await GateAWSKind(http: CurlHTTPClient()).failure(["region": "eu-central-1", "endpoint": .string(Self.endpoint)],
                                                                               context(variables: ["AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": "ogf-cloud-wrong-secret"])))
        #expect(bad.contains("403 SignatureDoesNotMatch") && bad.contains("The secret access key does not belong to this key id"), "\(bad)")
        #expect(!bad.contains("ogf-cloud-wrong-secret"))
    }

    @Test func aWrongRegionAndAnUnreachableEndpointAreClear() async throws {
        let kind = GateAWSKind(http: CurlHTTPClient())
        #expect(await kind.failure(config(["region": "eu-centrall"]), context(variables: vars)) == "region: \"eu-centrall\" is not an AWS region; write one such as eu-central-1 or us-east-1")
        #expect(await kind.failure(config(["expect_account": "12345"]), context(variables: vars))?.hasPrefix("expect_account:") == true)
        let msg = try #require(await kind.failure(config(["endpoint": "http://127.0.0.1:9"]), context(variables: vars)))
        #expect(msg.contains("STS at http://127.0.0.1:9 cannot be reached"), "\(msg)")
    }

    @Test func noCredentialsAtAllSaysWhereItLooked() async throws {
        let msg = try #require(await GateAWSKind(http: CurlHTTPClient()).failure(["region": "eu-central-1", "endpoint": .string(Self.endpoint)],
                                                                               context(variables: ["HOME": "/nonexistent-ogf"])))
        #expect(msg.hasPrefix("AWS credentials: no AWS credentials found"), "\(msg)")
    }
}
