import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// gate_credential_age's postgres: variant against the real PostgreSQL, with roles named
/// ogf_sec_* that each test creates and drops.
@Suite(.serialized) struct CredentialAgeTests {
    static let hasher = SecretHasher(salt: [9, 8, 7])

    func withRole(_ tag: String, _ options: String, _ body: (String) async throws -> Void) async throws {
        let name = "ogf_sec_\(tag)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: Servers.pgAdminURL, applicationName: "ogf tests")
        try admin.execute("CREATE ROLE \(name) \(options)")
        defer { _ = try? admin.execute("DROP ROLE IF EXISTS \(name)") }
        try await body(name)
    }

    func context() -> KindContext {
        KindContext(environment: "test", isProtected: false, projectRoot: "/", variables: [:],
                    hashSecret: { Self.hasher.hash(Value.string($0).canonicalText) })
    }

    func apply(_ kind: GateCredentialAgeKind, _ config: [String: Value], prior: ResourceState? = nil) async throws -> ApplyResponse {
        try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "gate_credential_age", name: "db"), config: kind.schema.withDefaults(config),
                                          prior: prior, action: .check, context: context(), progress: { _ in }))
    }

    @Test func roleValidUntilInThePastFailsAndInAYearPasses() async throws {
        let kind = GateCredentialAgeKind()
        try await withRole("past", "LOGIN VALID UNTIL '2020-01-01 00:00:00+00'") { role in
            await #expect { try await apply(kind, ["postgres": .sensitive(.string(Servers.pgAdminURL)), "role": .string(role)]) }
                throws: { "\($0)".contains("role \(role) expired on 2020-01-01T00:00:00Z (VALID UNTIL)") && !"\($0)".contains("ogf-local-pg-admin") }
        }
        try await withRole("year", "LOGIN VALID UNTIL '\(Self.inDays(365))'") { role in
            let r = try await apply(kind, ["postgres": .sensitive(.string(Servers.pgAdminURL)), "role": .string(role)])
            #expect(r.summary?.hasPrefix("role \(role): valid until 20") == true)
            #expect(r.summary?.contains("(364 days)") == true || r.summary?.contains("(365 days)") == true)
            #expect(r.summary?.contains("password age not checked (PostgreSQL does not record it") == true)
        }
        try await withRole("soon", "LOGIN VALID UNTIL '\(Self.inDays(3))'") { role in
            await #expect { try await apply(kind, ["postgres": .sensitive(.string(Servers.pgAdminURL)), "role": .string(role)]) }
                throws: { "\($0)".contains("expires in 2 days") || "\($0)".contains("expires in 3 days") }
        }
    }

    @Test func passwordAgeCountsFromOgfsFirstSightAndResetsOnRotation() async throws {
        let password = "ogf-sec-canary-password-0123456789"
        try await withRole("pw", "LOGIN PASSWORD '\(password)'") { role in
            let url = "postgres://\(role):\(password)@127.0.0.1:\(Servers.pgPort)/postgres"
            let start = Date()
            let first = try await apply(GateCredentialAgeKind(now: { start }), ["postgres": .sensitive(.string(url)), "max_age": "90d"])
            #expect(first.outputs["password_age_days"] == 0)
            #expect(first.summary?.contains("no VALID UNTIL") == true)
            #expect(!Value.map(first.outputs).redacted(with: Self.hasher).description.contains(password))
            let prior = ResourceState(kind: "gate_credential_age", attributes: [:], outputs: first.outputs.mapValues { $0.redacted(with: Self.hasher) },
                                      sensitivePaths: [], dependencies: [], appliedAt: start, ogfVersion: "t", durationMs: 1)
            // 100 days later, the same password: older than 90 days.
            let later = GateCredentialAgeKind(now: { start.addingTimeInterval(100 * 86400) })
            await #expect { try await apply(later, ["postgres": .sensitive(.string(url)), "max_age": "90d"], prior: prior) }
                throws: { e in "\(e)".contains("unchanged for at least 100 days") && "\(e)".contains("older than max_age 90d") && !"\(e)".contains(password) }
            let fine = try await apply(later, ["postgres": .sensitive(.string(url)), "max_age": "120d"], prior: prior)
            #expect(fine.outputs["password_age_days"] == 100)
            // Rotated: the clock starts again.
            let admin = try PostgresConnection(url: Servers.pgAdminURL, applicationName: "ogf tests")
            try admin.execute("ALTER ROLE \(role) PASSWORD '\(password)-2'")
            let rotated = try await apply(later, ["postgres": .sensitive(.string(url.replacingOccurrences(of: password, with: password + "-2"))), "max_age": "90d"], prior: prior)
            #expect(rotated.outputs["password_age_days"] == 0)
        }
    }

    /// The kind without a reader (as this target builds it) says so at plan time; the catalogue's
    /// kind has OGFCloud's IAM client (CredentialAgeAWSTests, against moto).
    @Test func awsWithoutAReaderIsAPlanError() async throws {
        let kind = GateCredentialAgeKind()
        await #expect { try await kind.plan(PlanRequest(address: ResourceAddress(kind: "gate_credential_age", name: "aws"),
                                                        config: kind.schema.withDefaults(["aws": .map(["endpoint": ""])]), prior: nil,
                                                        changedFields: [], refresh: true, context: context())) }
            throws: { "\($0)".contains("needs an IAM client") }
        #expect(throws: Diagnostic.self) { try ConfigDecoder.decode(GateCredentialAgeKind.Config.self, from: kind.schema.withDefaults([:])) }
    }

    static func inDays(_ n: Int) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date().addingTimeInterval(Double(n) * 86400 + 3600))
    }
}
