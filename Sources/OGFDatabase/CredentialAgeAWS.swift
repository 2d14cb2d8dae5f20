import Foundation
import OGFCore

/// One IAM access key of the deploying identity, as ListAccessKeys reports it.
public struct AccessKeyAge: Sendable {
    /// The key id (`AKIA…`): an identifier, not the secret, but shown masked all the same.
    public var id: String
    public var createdAt: Date
    public var active: Bool

    public init(id: String, createdAt: Date, active: Bool) {
        self.id = id
        self.createdAt = createdAt
        self.active = active
    }
}

/// Reads the deploying identity's access keys (IAM ListAccessKeys, SigV4-signed, credentials found
/// as the AWS CLI finds them from the run's variables). The catalogue hands in the one built on
/// OGFCloud's IAM client; this target stays free of AWS code.
public protocol AccessKeyAgeReader: Sendable {
    func accessKeys(endpoint: String?, profile: String?, context: KindContext) async throws -> [AccessKeyAge]
}

extension GateCredentialAgeKind {
    /// The aws: variant: every active key younger than max_age.
    func checkAWS(_ c: AWSConfig, reader: any AccessKeyAgeReader, maxAge: ConfigDuration, now: Date, context: KindContext) async throws -> ApplyResponse {
        let keys = try await reader.accessKeys(endpoint: (c.endpoint ?? "").isEmpty ? nil : c.endpoint,
                                               profile: (c.profile ?? "").isEmpty ? nil : c.profile, context: context)
        var problems: [String] = []
        for k in keys where k.active {
            let age = now.timeIntervalSince(k.createdAt)
            if age > maxAge.seconds {
                problems.append("access key \(k.id.prefix(4))…\(k.id.suffix(4)) is \(Int(age / 86400)) days old, older than max_age \(Self.age(maxAge)): create a new key, switch the deploy to it, then deactivate and delete the old one")
            }
        }
        guard problems.isEmpty else { throw ResourceFailure(problems.joined(separator: "; ")) }
        let oldest = keys.filter(\.active).map { Int(now.timeIntervalSince($0.createdAt) / 86400) }.max()
        return ApplyResponse(outputs: ["access_keys": .int(keys.filter(\.active).count), "oldest_key_age_days": oldest.map(Value.int) ?? .null],
                             summary: "\(keys.filter(\.active).count) active access key(s) younger than \(Self.age(maxAge))")
    }
}
