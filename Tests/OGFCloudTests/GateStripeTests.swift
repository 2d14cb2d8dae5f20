import Foundation
import OGFCore
import OGFHTTP
import Testing
@testable import OGFCloud

/// gate_stripe against the Stripe stand-in (the key checked in Basic auth, as Stripe does).
@Suite struct GateStripeTests {
    static let testKey = "sk_test_ogfcloudtest0123456789"
    static let liveKey = "sk_live_ogfcloudtest0123456789"
    static let restricted = "rk_test_ogfcloudtest0123456789"

    func standIn() async throws -> StandIn {
        try await StandIn("stripe", ["stripe": ["keys": [Self.testKey: ["balance_read": true], Self.liveKey: ["balance_read": true],
                                                   Self.restricted: ["balance_read": false]]]])
    }

    func config(_ s: StandIn, key: String, webhook: String? = nil, live: Bool? = nil) -> [String: Value] {
        var c: [String: Value] = ["secret_key": .sensitive(.string(key)), "api_base": .string(s.url)]
        if let webhook { c["webhook_secret"] = .sensitive(.string(webhook)) }
        if let live { c["live"] = .bool(live) }
        return c
    }

    @Test func aTestKeyPassesOutsideProtectedEnvironments() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let r = try await GateStripeKind(http: CurlHTTPClient()).run(config(s, key: Self.testKey, webhook: "whsec_ogfcloudtest0123456789"), context())
        #expect(r.summary == "test key accepted by the balance API, webhook secret well-formed")
        #expect(r.outputs["mode"] == .string("test"))
        #expect(r.outputs["key_fingerprint"] == .sensitive(.string(Self.testKey)))  // the state stores its salted hash only
    }

    @Test func aTestKeyInProductionIsRefusedBeforeAnyRequest() async throws {
        let msg = try #require(await GateStripeKind(http: CurlHTTPClient()).failure(["secret_key": .sensitive(.string(Self.testKey)), "api_base": "http://127.0.0.1:9"],
                                                                                  context(protected: true, environment: "production")))
        #expect(msg == "secret_key is a test key, and production needs a live key (live: true, the default in protected environments); use sk_live_ or rk_live_")
    }

    @Test func liveKeysAreRefusedElsewhereUnlessLiveIsSet() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let kind = GateStripeKind(http: CurlHTTPClient())
        #expect(await kind.failure(config(s, key: Self.liveKey), context())?.contains("refuses live keys") == true)
        #expect(await kind.failure(config(s, key: Self.liveKey, live: true), context()) == nil)
        #expect(await kind.failure(config(s, key: Self.liveKey), context(protected: true)) == nil)
    }

    @Test func aRevokedKeyIs401AndNeverPrinted() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let revoked = "sk_test_revokedkey0123456789abc"
        let msg = try #require(await GateStripeKind(http: CurlHTTPClient()).failure(config(s, key: revoked), context(secrets: [revoked])))
        #expect(msg == "Stripe refused the key (401): it is invalid or was revoked; roll a new key in the Stripe dashboard")
    }

    @Test func aRestrictedKeyWithoutBalanceReadIs403() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let msg = try #require(await GateStripeKind(http: CurlHTTPClient()).failure(config(s, key: Self.restricted), context()))
        #expect(msg.contains("(403): grant it Balance read"))
    }

    @Test func shapesAreCheckedWithoutShowingValues() async throws {
        let s = try await standIn()
        defer { s.stop() }
        let kind = GateStripeKind(http: CurlHTTPClient())
        #expect(await kind.failure(config(s, key: "pk_test_ogfcloudtest0123456789"), context())?.contains("publishable key") == true)
        #expect(await kind.failure(config(s, key: "sk_ogfcloud"), context())?.contains("is not a Stripe secret key") == true)
        let bad = await kind.failure(config(s, key: Self.testKey, webhook: "ogf-not-a-webhook-secret"), context())
        #expect(bad?.contains("webhook_secret is not a webhook signing secret") == true)
        #expect(bad?.contains("ogf-not-a-webhook-secret") == false)
    }

    @Test func thePlanWarnsAboutAWrongShape() async throws {
        let kind = GateStripeKind(http: CurlHTTPClient())
        let r = try await kind.plan(PlanRequest(address: ResourceAddress(kind: "gate_stripe", name: "p"),
                                                config: kind.schema.withDefaults(["secret_key": .sensitive(.string(Self.testKey))]),
                                                prior: nil, changedFields: [], refresh: true, context: context(protected: true, environment: "production")))
        #expect(r.action == .check)
        #expect(r.diagnostics.first?.summary.contains("is a test key, and production needs a live key") == true)
        #expect(kind.schema.field("secret_key")?.sensitive == true && kind.schema.field("webhook_secret")?.sensitive == true)
    }
}
