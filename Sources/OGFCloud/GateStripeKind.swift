import Foundation
import OGFCore
import OGFHTTP

/// `gate_stripe`: the Stripe secret key has the right shape for the environment (live keys in
/// protected environments, test keys elsewhere), is accepted by `GET /v1/balance`, and the
/// webhook signing secret looks like one. The key is sent in Basic auth and never shown.
public struct GateStripeKind: ResourceKind {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public let name = "gate_stripe"
    public let role = ResourceRole.gate
    public let checklistName: String? = "stripe_keys_configured"
    public let summary = "Pre-flight: the Stripe secret key (live or test, as the environment needs) is accepted, and the webhook secret is well-formed."
    public let schema = Schema([
        FieldSpec("secret_key", .string, required: true, sensitive: true, doc: "The secret (sk_) or restricted (rk_) key, e.g. ${secret.STRIPE_SECRET_KEY}; a restricted key needs Balance read."),
        FieldSpec("webhook_secret", .string, sensitive: true, doc: "The webhook endpoint's signing secret (whsec_...), checked for shape only."),
        FieldSpec("live", .bool, doc: "Whether live keys are required (true) or refused (false). Unset: required in protected environments, refused elsewhere."),
        FieldSpec("api_base", .string, default: "https://api.stripe.com", doc: "The API's base URL (tests: a loopback stand-in)."),
    ] + CloudCallSettings.fields)
    public let outputs = ["mode": "live or test, from the key and confirmed by Stripe's livemode.",
                          "key_fingerprint": "The key's salted hash (in state only as a hash), to see rotation."]

    struct Config: Decodable {
        var secretKey: String
        var webhookSecret: String?
        var live: Bool?
        var apiBase: String
        var call: CloudCallSettings

        enum CodingKeys: String, CodingKey { case secretKey = "secret_key", webhookSecret = "webhook_secret", live, apiBase = "api_base" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // What `ogf validate` knows first; the secrets are known only with the environment.
            apiBase = try c.decode(String.self, forKey: .apiBase)
            if !(apiBase.hasPrefix("https://") || apiBase.hasPrefix("http://")) {
                throw Diagnostic.field("api_base", "\"\(apiBase)\" is not an http(s) URL")
            }
            live = try c.decodeIfPresent(Bool.self, forKey: .live)
            call = try CloudCallSettings(from: decoder)
            secretKey = try c.decode(String.self, forKey: .secretKey).trimmingCharacters(in: .whitespacesAndNewlines)
            webhookSecret = CloudText.nonEmpty(try c.decodeIfPresent(String.self, forKey: .webhookSecret))
        }
    }

    /// What the key's prefix says. Never holds the key.
    enum KeyShape: Equatable {
        case secret(live: Bool), restricted(live: Bool), publishable, malformed

        init(_ key: String) {
            let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count >= 16, parts[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
                  parts[1] == "live" || parts[1] == "test" else {
                self = .malformed
                return
            }
            switch parts[0] {
            case "sk": self = .secret(live: parts[1] == "live")
            case "rk": self = .restricted(live: parts[1] == "live")
            case "pk": self = .publishable
            default: self = .malformed
            }
        }

        var isLive: Bool? {
            switch self {
            case .secret(let l), .restricted(let l): return l
            default: return nil
            }
        }
    }

    /// Problems with the key's and the webhook secret's shape for this environment, or none.
    static func shapeProblems(_ c: Config, isProtected: Bool, environment: String) -> [String] {
        var problems: [String] = []
        let wantLive = c.live ?? isProtected
        let shape = KeyShape(c.secretKey)
        switch shape {
        case .publishable:
            problems.append("secret_key is a publishable key (pk_); the server needs a secret (sk_) or restricted (rk_) key")
        case .malformed:
            problems.append("secret_key is not a Stripe secret key (expected sk_live_..., sk_test_..., rk_live_... or rk_test_...)")
        default:
            if let live = shape.isLive, live != wantLive {
                problems.append(live
                    ? "secret_key is a live key, and \(environment) refuses live keys (live: false\(c.live == nil ? ", the default outside protected environments" : "")); use a test key"
                    : "secret_key is a test key, and \(environment) needs a live key (live: true\(c.live == nil ? ", the default in protected environments" : "")); use sk_live_ or rk_live_")
            }
        }
        if let w = c.webhookSecret, !(w.hasPrefix("whsec_") && w.count >= 20) {
            problems.append("webhook_secret is not a webhook signing secret (whsec_...): copy it from the webhook endpoint's page")
        }
        return problems
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        guard let c = try request.decodeIfKnown(Config.self) else { return r }
        let problems = Self.shapeProblems(c, isProtected: request.context.isProtected, environment: request.context.environment)
        if !problems.isEmpty { r.diagnostics.append(.warning("\(request.address) will fail: \(problems.joined(separator: "; "))")) }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let problems = Self.shapeProblems(c, isProtected: request.context.isProtected, environment: request.context.environment)
        guard problems.isEmpty else { throw ResourceFailure(problems.joined(separator: "; ")) }
        let base = c.apiBase.hasSuffix("/") ? String(c.apiBase.dropLast()) : c.apiBase
        let url = base + "/v1/balance"
        let auth = "Basic " + Data("\(c.secretKey):".utf8).base64EncodedString()
        let client = RetryingHTTPClient(http, c.call, progress: request.progress)
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(url: url, headers: [("Authorization", auth)], timeout: c.call.timeout.seconds))
        } catch let e as HTTPError {
            throw ResourceFailure("the Stripe API at \(RetryingHTTPClient.host(url)) cannot be reached: \(e.message)")
        }
        switch response.status {
        case 200: break
        case 401: throw ResourceFailure("Stripe refused the key (401): it is invalid or was revoked; roll a new key in the Stripe dashboard")
        case 403: throw ResourceFailure("the restricted key may not read the balance (403): grant it Balance read, or use the secret key")
        default:
            let message = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["message"] as? String }
            let text = request.context.redact((message ?? String(response.text.prefix(200))).replacingOccurrences(of: c.secretKey, with: "(sensitive)"))
            throw ResourceFailure("Stripe GET /v1/balance answered \(response.status): \(text)")
        }
        let obj = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        guard let livemode = obj?["livemode"] as? Bool else {
            throw ResourceFailure("\(url) answered 200 without livemode; is api_base the Stripe API?")
        }
        let keyLive = KeyShape(c.secretKey).isLive ?? false
        if livemode != keyLive {
            throw ResourceFailure("Stripe answered livemode \(livemode) for a \(keyLive ? "live" : "test") key; is api_base the Stripe API?")
        }
        let mode = livemode ? "live" : "test"
        let outputs: [String: Value] = ["mode": .string(mode), "key_fingerprint": .sensitive(.string(c.secretKey))]
        let webhook = c.webhookSecret == nil ? "" : ", webhook secret well-formed"
        return ApplyResponse(outputs: outputs, summary: "\(mode) key accepted by the balance API\(webhook)")
    }
}
