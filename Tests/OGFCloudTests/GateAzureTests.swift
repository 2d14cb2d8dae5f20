import Foundation
import OGFCore
import OGFHTTP
import Testing
@testable import OGFCloud

/// gate_azure against the identity-platform stand-in (tenant, client id, secret, scope checked).
@Suite struct GateAzureTests {
    static let tenant = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    static let client = "12345678-1234-1234-1234-123456789abc"
    static let secret = "ogf-cloud-test-azure-secret"

    func standIn() async throws -> StandIn {
        try await StandIn("azure", ["azure": ["apps": [["tenant": Self.tenant, "client_id": Self.client, "client_secret": Self.secret, "name": "ogf-test-app"]]]])
    }

    func config(_ s: StandIn, tenant: String = tenant, client: String = client, secret: String = secret) -> [String: Value] {
        ["tenant_id": .string(tenant), "client_id": .string(client), "client_secret": .sensitive(.string(secret)), "authority": .string(s.url)]
    }

    @Test func theRightSecretGetsATokenAndTheTokenNamesTenantAndApp() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let r = try await GateAzureKind(http: CurlHTTPClient()).run(config(s), context())
        #expect(r.summary == "tenant \(Self.tenant), app \(Self.client) (ogf-test-app)")
        #expect(r.outputs["app_id"] == .string(Self.client))
    }

    @Test func aWrongSecretIsRefusedWithMicrosoftsCodeAndNeverShown() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let msg = try #require(await GateAzureKind(http: CurlHTTPClient()).failure(config(s, secret: "wrong-secret-value-123"), context(secrets: ["wrong-secret-value-123"])))
        #expect(msg.contains("401 invalid_client: AADSTS7000215"), "\(msg)")
        #expect(msg.contains("use the secret's value, not its id"))
        #expect(!msg.contains("wrong-secret-value-123"))
    }

    @Test func anUnknownTenantOrAppIsNamed() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let kind = GateAzureKind(http: CurlHTTPClient())
        #expect(await kind.failure(config(s, tenant: "00000000-0000-0000-0000-000000000000"), context())?.contains("AADSTS90002") == true)
        #expect(await kind.failure(config(s, client: "00000000-0000-0000-0000-000000000001"), context())?.contains("No such app in this tenant") == true)
    }

    @Test func idsThatCannotBeIdsAreFieldErrors() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let kind = GateAzureKind(http: CurlHTTPClient())
        #expect(await kind.failure(config(s, client: "my-app"), context())?.hasPrefix("client_id: \"my-app\" is not an application (client) id") == true)
        #expect(await kind.failure(config(s, tenant: "contoso"), context())?.hasPrefix("tenant_id:") == true)
        #expect(await kind.failure(config(s, tenant: "contoso.onmicrosoft.com"), context())?.contains("AADSTS90002") == true)
    }

    @Test func anUnreachableAuthorityIsNamed() async throws {
        var c: [String: Value] = ["tenant_id": .string(Self.tenant), "client_id": .string(Self.client), "client_secret": .sensitive(.string(Self.secret))]
        c["authority"] = "http://127.0.0.1:9"
        let msg = try #require(await GateAzureKind(http: CurlHTTPClient()).failure(c, context()))
        #expect(msg.hasPrefix("the Azure token endpoint http://127.0.0.1:9 cannot be reached"), "\(msg)")
    }
}
