import Foundation
import OGFCore
import OGFHTTP

/// `gate_azure`: an Azure app registration's client secret is accepted: a client-credentials
/// token request to `{authority}/{tenant}/oauth2/v2.0/token` (Microsoft identity platform).
public struct GateAzureKind: ResourceKind {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public let name = "gate_azure"
    public let role = ResourceRole.gate
    public let checklistName: String? = "azure_credentials_valid"
    public let summary = "Pre-flight: an Azure service principal's client secret gets a token (client-credentials grant)."
    public let schema = Schema([
        FieldSpec("tenant_id", .string, required: true, doc: "The directory (tenant): its GUID or a verified domain such as contoso.onmicrosoft.com."),
        FieldSpec("client_id", .string, required: true, doc: "The application (client) id of the app registration, a GUID."),
        FieldSpec("client_secret", .string, required: true, sensitive: true, doc: "The client secret, e.g. ${secret.AZURE_CLIENT_SECRET}."),
        FieldSpec("authority", .string, default: "https://login.microsoftonline.com",
                  doc: "The identity platform's authority (sovereign clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn; tests: a loopback stand-in)."),
        FieldSpec("scope", .string, default: "https://management.azure.com/.default", doc: "The scope the token is asked for."),
    ] + CloudCallSettings.fields)
    public let outputs = ["tenant": "The tenant the token was issued in.", "app_id": "The application (client) id the token names."]

    struct Config: Decodable {
        var tenantID: String
        var clientID: String
        var clientSecret: String
        var authority: String
        var scope: String
        var call: CloudCallSettings

        enum CodingKeys: String, CodingKey { case tenantID = "tenant_id", clientID = "client_id", clientSecret = "client_secret", authority, scope }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tenantID = try c.decode(String.self, forKey: .tenantID).trimmingCharacters(in: .whitespaces)
            clientID = try c.decode(String.self, forKey: .clientID).trimmingCharacters(in: .whitespaces)
            // The ids are checked before the secret is read: `ogf validate` knows them, not it.
            if tenantID.isEmpty || !(Self.isGUID(tenantID) || (tenantID.contains(".") && !tenantID.contains("/"))) {
                throw Diagnostic.field("tenant_id", "\"\(tenantID)\" is not a tenant: write its GUID or a verified domain (contoso.onmicrosoft.com)")
            }
            if !Self.isGUID(clientID) {
                throw Diagnostic.field("client_id", "\"\(clientID)\" is not an application (client) id: it is a GUID such as 00000000-0000-0000-0000-000000000000")
            }
            authority = try c.decode(String.self, forKey: .authority)
            scope = try c.decode(String.self, forKey: .scope)
            call = try CloudCallSettings(from: decoder)
            if !(authority.hasPrefix("https://") || authority.hasPrefix("http://")) {
                throw Diagnostic.field("authority", "\"\(authority)\" is not an http(s) URL")
            }
            clientSecret = try c.decode(String.self, forKey: .clientSecret)
            if clientSecret.isEmpty { throw Diagnostic.field("client_secret", "is empty") }
        }

        static func isGUID(_ s: String) -> Bool {
            let groups = s.split(separator: "-", omittingEmptySubsequences: false)
            return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let base = c.authority.hasSuffix("/") ? String(c.authority.dropLast()) : c.authority
        let url = "\(base)/\(CloudText.encode(c.tenantID))/oauth2/v2.0/token"
        let body = CloudText.form([("client_id", c.clientID), ("scope", c.scope), ("client_secret", c.clientSecret), ("grant_type", "client_credentials")])
        let client = RetryingHTTPClient(http, c.call, progress: request.progress)
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                         body: body, timeout: c.call.timeout.seconds))
        } catch let e as HTTPError {
            throw ResourceFailure("the Azure token endpoint \(RetryingHTTPClient.host(url)) cannot be reached: \(e.message)")
        }
        // Never show the secret, even if an error page echoed it.
        let redact: @Sendable (String) -> String = { [secret = c.clientSecret, ctx = request.context] in
            ctx.redact($0).replacingOccurrences(of: secret, with: "(sensitive)")
        }
        guard response.status == 200 else {
            let why = CloudText.oauthError(response.body, redact: redact)
            throw ResourceFailure("tenant \(c.tenantID) refused app \(c.clientID): \(response.status) \(why)" + Self.advice(why))
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any], let token = obj["access_token"] as? String else {
            throw ResourceFailure("\(url) answered 200 without an access_token; is authority the Microsoft identity platform?")
        }
        // Report what the token says (v1 tokens: tid/appid, v2: tid/azp), else what was asked.
        let claims = CloudText.claims(ofJWT: token) ?? [:]
        let tenant = claims["tid"] as? String ?? c.tenantID
        let app = claims["appid"] as? String ?? claims["azp"] as? String ?? c.clientID
        let appName = claims["app_displayname"] as? String
        return ApplyResponse(outputs: ["tenant": .string(tenant), "app_id": .string(app)],
                             summary: "tenant \(tenant), app \(app)" + (appName.map { " (\($0))" } ?? ""))
    }

    /// Microsoft's AADSTS codes people meet, and what to do.
    static func advice(_ why: String) -> String {
        if why.contains("AADSTS7000215") { return ". The client secret is wrong: use the secret's value, not its id." }
        if why.contains("AADSTS7000222") { return ". The client secret expired: create a new one in the app registration." }
        if why.contains("AADSTS700016") { return ". No such app in this tenant: check client_id and tenant_id." }
        if why.contains("AADSTS90002") { return ". No such tenant: check tenant_id." }
        return ""
    }
}
