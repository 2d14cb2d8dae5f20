import _CryptoExtras
import Crypto
import Foundation
import OGFCore
import OGFHTTP

/// `gate_gcp`: a Google Cloud service-account key works: a JWT signed with its private key
/// (RS256, swift-crypto's `_CryptoExtras` RSA) is exchanged at the key's `token_uri` for an
/// access token, as Google's client libraries do.
public struct GateGCPKind: ResourceKind {
    let http: any HTTPClient
    let now: @Sendable () -> Date

    public init(http: any HTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.http = http
        self.now = now
    }

    public let name = "gate_gcp"
    public let role = ResourceRole.gate
    public let checklistName: String? = "gcp_credentials_valid"
    public let summary = "Pre-flight: a Google Cloud service-account key is exchanged for an access token (RS256 JWT), for the expected project."
    public let schema = Schema([
        FieldSpec("credentials", .string, sensitive: true,
                  doc: "The service-account key: its JSON text (e.g. ${secret.GOOGLE_APPLICATION_CREDENTIALS_JSON}) or the path of the JSON file. Empty: the file GOOGLE_APPLICATION_CREDENTIALS names."),
        FieldSpec("expect_project", .string, doc: "The project the key must belong to (its project_id)."),
        FieldSpec("scope", .string, default: "https://www.googleapis.com/auth/cloud-platform", doc: "The OAuth scope the token is asked for."),
    ] + CloudCallSettings.fields)
    public let outputs = ["client_email": "The service account's e-mail address.", "project": "The key's project_id."]

    struct Config: Decodable {
        var credentials: String?
        var expectProject: String?
        var scope: String
        var call: CloudCallSettings

        enum CodingKeys: String, CodingKey { case credentials, expectProject = "expect_project", scope }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            credentials = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .credentials))
            expectProject = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .expectProject))
            scope = try c.decode(String.self, forKey: .scope)
            call = try CloudCallSettings(from: decoder)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let key = try loadKey(c, request.context)
        var outputs: [String: Value] = ["client_email": .string(key.clientEmail)]
        if let p = key.projectID { outputs["project"] = .string(p) }
        if let want = c.expectProject, want != key.projectID {
            throw ResourceFailure("the key of \(key.clientEmail) belongs to project \(key.projectID ?? "(none)"), not the expected \(want)", outputs: outputs)
        }
        let assertion: String
        do {
            assertion = try Self.assertion(key, scope: c.scope, now: now())
        } catch {
            throw ResourceFailure("the private key of \(key.clientEmail) cannot sign (\(type(of: error))): the key's private_key is not an RSA key in PEM")
        }
        let client = RetryingHTTPClient(http, c.call, progress: request.progress)
        let body = CloudText.form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(method: "POST", url: key.tokenURI,
                                                         headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                         body: body, timeout: c.call.timeout.seconds))
        } catch let e as HTTPError {
            throw ResourceFailure("the token endpoint \(RetryingHTTPClient.host(key.tokenURI)) cannot be reached: \(e.message)", outputs: outputs)
        }
        guard response.status == 200 else {
            let why = CloudText.oauthError(response.body, redact: request.context.redact)
            throw ResourceFailure("\(key.tokenURI) refused the key of \(key.clientEmail): \(response.status) \(why)" + Self.advice(why), outputs: outputs)
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any], obj["access_token"] is String else {
            throw ResourceFailure("\(key.tokenURI) answered 200 without an access_token; is token_uri a Google token endpoint?", outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "\(key.clientEmail), project \(key.projectID ?? "(none)")")
    }

    func loadKey(_ c: Config, _ ctx: KindContext) throws -> ServiceAccountKey {
        let text: String
        if let given = c.credentials, given.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            text = given
        } else {
            guard let path = c.credentials ?? CloudText.nonEmpty(ctx.variables["GOOGLE_APPLICATION_CREDENTIALS"]) else {
                throw ResourceFailure("no service-account key: set credentials (the key's JSON, or its file) or GOOGLE_APPLICATION_CREDENTIALS")
            }
            guard let t = try? String(contentsOfFile: ctx.path(path), encoding: .utf8) else {
                throw ResourceFailure("the service-account key file \(ctx.path(path)) cannot be read")
            }
            text = t
        }
        do { return try ServiceAccountKey(json: Data(text.utf8)) } catch { throw ResourceFailure("\(error)") }
    }

    /// The signed JWT: `{alg: RS256, typ: JWT, kid}` . `{iss, scope, aud: token_uri, iat, exp = iat + 1h}`.
    static func assertion(_ key: ServiceAccountKey, scope: String, now: Date) throws -> String {
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if let kid = key.privateKeyID { header["kid"] = kid }
        let iat = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = ["iss": key.clientEmail, "scope": scope, "aud": key.tokenURI, "iat": iat, "exp": iat + 3600]
        let h = CloudText.base64URL(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let p = CloudText.base64URL(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]))
        let signingInput = "\(h).\(p)"
        let rsa = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM)
        let signature = try rsa.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + CloudText.base64URL(signature.rawRepresentation)
    }

    static func advice(_ why: String) -> String {
        if why.contains("iat") || why.contains("exp") || why.contains("timeframe") {
            return ". Google accepts a JWT only within minutes of its own clock: check this machine's clock."
        }
        if why.contains("invalid_grant") { return ". The key was deleted or disabled, or the service account no longer exists: create a new key." }
        return ""
    }
}
