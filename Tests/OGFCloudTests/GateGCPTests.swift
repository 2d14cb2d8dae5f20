import Foundation
import OGFCore
import OGFHTTP
import Testing
@testable import OGFCloud

/// gate_gcp against the token-endpoint stand-in, which verifies the RS256 signature with the
/// key's public part, kid, iss, aud, scope, iat and exp as Google does.
@Suite struct GateGCPTests {
    @Test func aValidKeyGetsATokenAndReportsEmailAndProject() async throws {
        let sa = try TestServiceAccount()
        let s = try await StandIn("gcp", ["gcp": ["keys": [sa.standInEntry]]])
        defer { s.stop() }
        let json = try sa.json(tokenURI: s.url + "/token")
        let r = try await GateGCPKind(http: CurlHTTPClient()).run(["credentials": .sensitive(.string(json)), "expect_project": "offgridflow-test"], context())
        #expect(r.summary == "ogf-cloud-test@offgridflow-test.iam.gserviceaccount.com, project offgridflow-test")
        #expect(r.outputs["project"] == .string("offgridflow-test"))
    }

    @Test func aKeyFileAndGOOGLE_APPLICATION_CREDENTIALSWorkToo() async throws {
        let sa = try TestServiceAccount()
        let s = try await StandIn("gcp", ["gcp": ["keys": [sa.standInEntry]]])
        defer { s.stop() }
        let file = NSTemporaryDirectory() + "ogf-cloud-sa-\(UUID().uuidString).json"
        try sa.json(tokenURI: s.url + "/token").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let kind = GateGCPKind(http: CurlHTTPClient())
        #expect(await kind.failure(["credentials": .string(file)], context()) == nil)
        #expect(await kind.failure([:], context(variables: ["GOOGLE_APPLICATION_CREDENTIALS": file])) == nil)
    }

    @Test func aSignatureByAnotherKeyIsRefused() async throws {
        let sa = try TestServiceAccount()
        let other = try TestServiceAccount()
        let s = try await StandIn("gcp", ["gcp": ["keys": [sa.standInEntry]]])
        defer { s.stop() }
        let forged = try sa.json(tokenURI: s.url + "/token", privateKeyPEM: other.key.pkcs8PEMRepresentation)
        let msg = try #require(await GateGCPKind(http: CurlHTTPClient()).failure(["credentials": .sensitive(.string(forged))], context()))
        #expect(msg.contains("400 invalid_grant: Invalid JWT Signature."), "\(msg)")
        #expect(!msg.contains("PRIVATE KEY"))
    }

    @Test func clockSkewEitherWayIsNamedAsTheClock() async throws {
        let sa = try TestServiceAccount()
        let s = try await StandIn("gcp", ["gcp": ["keys": [sa.standInEntry]]])
        defer { s.stop() }
        let json = try sa.json(tokenURI: s.url + "/token")
        for skew in [-7200.0, 7200.0] {
            let kind = GateGCPKind(http: CurlHTTPClient(), now: { Date().addingTimeInterval(skew) })
            let msg = try #require(await kind.failure(["credentials": .sensitive(.string(json))], context()))
            #expect(msg.contains("reasonable timeframe") && msg.contains("check this machine's clock"), "\(msg)")
        }
    }

    @Test func theWrongProjectFailsBeforeAnyRequest() async throws {
        let sa = try TestServiceAccount()
        let json = try sa.json(tokenURI: "http://127.0.0.1:9/token")
        let msg = try #require(await GateGCPKind(http: CurlHTTPClient()).failure(["credentials": .sensitive(.string(json)), "expect_project": "offgridflow-prod"], context()))
        #expect(msg == "the key of ogf-cloud-test@offgridflow-test.iam.gserviceaccount.com belongs to project offgridflow-test, not the expected offgridflow-prod")
    }

    @Test func malformedKeysAreClearErrors() async throws {
        let kind = GateGCPKind(http: CurlHTTPClient())
        #expect(await kind.failure(["credentials": .sensitive(.string("{not json"))], context())?.contains("not a JSON object") == true)
        #expect(await kind.failure(["credentials": .sensitive(.string("{\"type\": \"authorized_user\"}"))], context())?.contains("not \"service_account\"") == true)
        #expect(await kind.failure(["credentials": .sensitive(.string("{\"type\": \"service_account\", \"client_email\": \"a@b\"}"))], context()) == "the service-account key has no private_key")
        let sa = try TestServiceAccount()
        let broken = try sa.json(tokenURI: "http://127.0.0.1:9/token", privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        #expect(await kind.failure(["credentials": .sensitive(.string(broken))], context())?.contains("cannot sign") == true)
        #expect(await kind.failure([:], context())?.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
        #expect(await kind.failure(["credentials": .string("/nonexistent/key.json")], context()) == "the service-account key file /nonexistent/key.json cannot be read")
    }

    @Test func anUnreachableTokenEndpointIsNamed() async throws {
        let sa = try TestServiceAccount()
        let json = try sa.json(tokenURI: "http://127.0.0.1:9/token")
        let msg = try #require(await GateGCPKind(http: CurlHTTPClient()).failure(["credentials": .sensitive(.string(json)), "retries": 0], context()))
        #expect(msg.hasPrefix("the token endpoint http://127.0.0.1:9 cannot be reached"), "\(msg)")
    }

    @Test func a503IsRetriedWithBackoff() async throws {
        let sa = try TestServiceAccount()
        let s = try await StandIn("gcp", ["gcp": ["keys": [sa.standInEntry]], "fail_first": 2])
        defer { s.stop() }
        let progress = ProgressLines()
        let json = try sa.json(tokenURI: s.url + "/token")
        _ = try await GateGCPKind(http: CurlHTTPClient()).run(["credentials": .sensitive(.string(json)), "retries": 2, "backoff": "50ms"], context(), progress: progress)
        #expect(progress.lines.count == 2)
        #expect(progress.lines.first?.contains("status 503; retry 1 of 2") == true, "\(progress.lines)")
    }

    @Test func theJWTHasTheClaimsGoogleDocuments() throws {
        let sa = try TestServiceAccount()
        let key = try ServiceAccountKey(json: Data(try sa.json(tokenURI: "https://oauth2.googleapis.com/token").utf8))
        let jwt = try GateGCPKind.assertion(key, scope: "https://www.googleapis.com/auth/cloud-platform", now: Date(timeIntervalSince1970: 1_700_000_000))
        let claims = try #require(CloudText.claims(ofJWT: jwt))
        #expect(claims["iss"] as? String == sa.email)
        #expect(claims["aud"] as? String == "https://oauth2.googleapis.com/token")
        #expect(claims["iat"] as? Int == 1_700_000_000 && claims["exp"] as? Int == 1_700_003_600)
        let header = try #require(CloudText.base64URLDecode(String(jwt.split(separator: ".")[0])))
        #expect(String(decoding: header, as: UTF8.self) == "{\"alg\":\"RS256\",\"kid\":\"\(sa.kid)\",\"typ\":\"JWT\"}")
    }
}
