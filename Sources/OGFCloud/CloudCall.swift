import Foundation
import OGFCore
import OGFHTTP

/// The settings every credential gate shares: one attempt's timeout, how many retries on a
/// 5xx, a 429 or a timeout, and the first backoff (doubled per retry, or the server's
/// `Retry-After` when it is shorter than 30 seconds).
struct CloudCallSettings: Decodable, Sendable {
    var timeout: ConfigDuration
    var retries: Int
    var backoff: ConfigDuration

    enum CodingKeys: String, CodingKey { case timeout, retries, backoff }

    static let fields: [FieldSpec] = [
        FieldSpec("timeout", .duration, default: "10s", doc: "Time allowed for one request."),
        FieldSpec("retries", .int, default: 2, doc: "Further attempts after a 5xx, a 429 or a timeout (never after a 4xx: a refused credential stays refused)."),
        FieldSpec("backoff", .duration, default: "500ms", doc: "Wait before the first retry; doubled for each further one (a shorter Retry-After wins)."),
    ]
}

/// An `HTTPClient` that retries what the providers document as retryable: 429, 5xx and
/// timeouts. A refused connection is not retried: it names the endpoint at once.
struct RetryingHTTPClient: HTTPClient {
    let base: any HTTPClient
    let retries: Int
    let backoff: Double
    let progress: @Sendable (String) -> Void

    init(_ base: any HTTPClient, _ settings: CloudCallSettings, progress: @escaping @Sendable (String) -> Void) {
        self.base = base
        self.retries = max(0, settings.retries)
        self.backoff = settings.backoff.seconds
        self.progress = progress
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var attempt = 0
        var wait = backoff
        while true {
            try Task.checkCancellation()
            let why: String
            var delay = wait
            do {
                let r = try await base.send(request)
                guard r.status == 429 || r.status >= 500, attempt < retries else { return r }
                why = "status \(r.status)"
                if let ra = r.header("Retry-After").flatMap(Double.init), ra >= 0, ra < 30 { delay = ra }
            } catch let e as HTTPError where e.isTimeout && attempt < retries {
                why = "timed out"
            }
            attempt += 1
            progress("\(Self.host(request.url)): \(why); retry \(attempt) of \(retries) in \(DurationText.format(delay))")
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            wait *= 2
        }
    }

    /// Scheme and host only: a URL's path or query may carry something private.
    static func host(_ url: String) -> String {
        guard let r = url.range(of: "://") else { return url }
        let rest = url[r.upperBound...]
        return String(url[..<r.upperBound]) + String(rest.prefix { $0 != "/" && $0 != "?" })
    }
}

/// Small helpers the gates share.
enum CloudText {
    /// Form encoding (application/x-www-form-urlencoded), in the given order.
    static func form(_ pairs: [(String, String)]) -> Data {
        Data(pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// An OAuth error body's `error` and `error_description`, shortened, secrets masked.
    static func oauthError(_ body: Data, redact: (String) -> String) -> String {
        if let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            let code = obj["error"] as? String
            let text = (obj["error_description"] as? String)?.split(separator: "\n").first.map(String.init)
            let joined = [code, text].compactMap { $0 }.joined(separator: ": ")
            if !joined.isEmpty { return redact(String(joined.prefix(300))) }
        }
        return redact(String(String(decoding: body, as: UTF8.self).prefix(200)))
    }

    /// The claims of a JWT (its middle part), without verifying it: for reporting who a token
    /// names, never for trusting it.
    static func claims(ofJWT token: String) -> [String: Any]? {
        let parts = token.split(separator: ".")
        guard parts.count >= 2, let data = base64URLDecode(String(parts[1])) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ s: String) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }

    /// `""` (an unset variable) reads as absent.
    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return s
    }
}

/// What `ogf validate` can say about a gate without the network: its fields' own errors (a
/// region that cannot be one, an id that is not a GUID), at their position. Fields that need
/// the environment (secrets, `${env.X}`) are unknown there, and then nothing is said.
func fieldDiagnostics<T: Decodable>(_ type: T.Type, _ config: [String: Value]) -> [Diagnostic] {
    do {
        _ = try ConfigDecoder.decodeIfKnown(type, from: config)
        return []
    } catch let d as Diagnostic {
        return [d]
    } catch {
        return []
    }
}

extension GateAWSKind: ValidatingKind {
    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] { fieldDiagnostics(Config.self, config) }
}

extension GateGCPKind: ValidatingKind {
    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] { fieldDiagnostics(Config.self, config) }
}

extension GateAzureKind: ValidatingKind {
    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] { fieldDiagnostics(Config.self, config) }
}

extension GateStripeKind: ValidatingKind {
    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] { fieldDiagnostics(Config.self, config) }
}
