import Foundation
import OGFCatalogue
import OGFCore
import Testing

/// gate_credential_age with aws: as the catalogue builds it (OGFCloud's IAM client joined to the
/// kind), against moto with SigV4 authentication on (scripts/services/moto.sh): the deploying
/// user's access key was created when dev-up started moto, so it is younger than 90 days and
/// older than 0.
@Suite struct CredentialAgeAWSTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let endpoint = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_MOTO_PORT"] ?? "17100")"

    func run(maxAge: String, secret: String? = nil, variables: [String: String]? = nil, profile: String = "ogf-local") async throws -> ApplyResponse {
        let kind = try #require(KindCatalogue.registry()["gate_credential_age"])
        let vars = variables ?? ["AWS_SHARED_CREDENTIALS_FILE": Self.root + "/.ci-servers/aws/credentials"]
        let redactor = Redactor(secrets: secret.map { [$0] } ?? [])
        let hasher = SecretHasher(salt: [7, 7, 7])
        let context = KindContext(environment: "test", isProtected: false, projectRoot: Self.root, variables: vars,
                                  redact: { redactor.redact($0) }, hashSecret: { hasher.hash($0) })
        let config = kind.schema.withDefaults(["aws": .map(["endpoint": .string(Self.endpoint), "profile": .string(profile)]), "max_age": .string(maxAge)])
        return try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "gate_credential_age", name: "aws"), config: config, prior: nil,
                                                 action: .check, context: context, progress: { _ in }))
    }

    @Test func aKeyYoungerThanMaxAgePasses() async throws {
        let r = try await run(maxAge: "90d")
        #expect(r.summary?.contains("active access key(s) younger than") == true, "\(r.summary ?? "")")
        #expect(r.outputs["access_keys"]?.intValue ?? 0 >= 1)
        #expect(r.outputs["oldest_key_age_days"] == .int(0))
    }

    @Test func maxAgeZeroFailsNamingTheKeyMaskedAndWhatToDo() async throws {
        let keyFile = try String(contentsOfFile: Self.root + "/.ci-servers/aws/credentials", encoding: .utf8)
        let id = try #require(keyFile.split(separator: "\n").first { $0.hasPrefix("aws_access_key_id") }?.split(separator: "=").last)
            .trimmingCharacters(in: .whitespaces)
        do {
            _ = try await run(maxAge: "0d")
            Issue.record("a key older than max_age 0d passed")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("access key \(id.prefix(4))…\(id.suffix(4)) is 0 days old"), "\(f.message)")
            #expect(f.message.contains("create a new key"), "\(f.message)")
            #expect(!f.message.contains(id), "the whole key id must not be shown")
        }
    }

    @Test func aWrongSecretIsAClearIAMErrorWithoutTheSecret() async throws {
        let keyFile = try String(contentsOfFile: Self.root + "/.ci-servers/aws/credentials", encoding: .utf8)
        let id = try #require(keyFile.split(separator: "\n").first { $0.hasPrefix("aws_access_key_id") }?.split(separator: "=").last)
            .trimmingCharacters(in: .whitespaces)
        let secret = "ogf-credential-age-wrong-secret"
        do {
            _ = try await run(maxAge: "90d", secret: secret, variables: ["AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "HOME": "/nonexistent-ogf"], profile: "")
            Issue.record("a wrong secret passed")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("IAM ListAccessKeys at \(Self.endpoint)") && f.message.contains("SignatureDoesNotMatch"), "\(f.message)")
            #expect(!f.message.contains(secret))
        }
    }
}
