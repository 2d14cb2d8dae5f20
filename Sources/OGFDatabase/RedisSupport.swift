import Foundation
import OGFCore

/// Connection settings shared by the Redis kinds: a URL (`redis://[user[:password]@]host[:port]`)
/// and/or separate host, port, user and password fields (which win). Decoded from the kind's
/// configuration with its own fields (`try RedisTarget(from: decoder)`); a URL that is not
/// redis:// or a port out of range is a diagnostic at that field.
struct RedisTarget: Decodable, Sendable {
    var host: String
    var port: Int
    var user: String?
    var password: String?
    var timeout: Double

    static let fields: [FieldSpec] = [
        FieldSpec("url", .string, sensitive: true, doc: "redis://[user[:password]@]host[:port] (with a password, redis://default:PASSWORD@host:port)."),
        FieldSpec("host", .string, doc: "Host, when not given by url (default 127.0.0.1)."),
        FieldSpec("port", .int, doc: "Port, when not given by url (default 6379)."),
        FieldSpec("user", .string, doc: "ACL user (Redis 6+); with password, sends AUTH user password."),
        FieldSpec("password", .string, sensitive: true, doc: "Password (requirepass or the ACL user's); use ${secret.X}."),
        FieldSpec("timeout", .duration, default: "5s", doc: "Connect and reply timeout."),
    ]

    /// Used when neither url nor host/port give them (documented on the fields above).
    static let defaultHost = "127.0.0.1", defaultPort = 6379

    enum CodingKeys: String, CodingKey { case url, host, port, user, password, timeout }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var host = Self.defaultHost, port = Self.defaultPort
        var user: String?, password: String?
        if let raw = try c.decodeIfPresent(String.self, forKey: .url), !raw.isEmpty {
            guard let u = DatabaseURL(raw), u.scheme == "redis" || u.scheme == "rediss" else {
                throw Diagnostic.field("url", "must be a redis:// URL, e.g. redis://default:PASSWORD@127.0.0.1:6379")
            }
            if u.scheme == "rediss" {
                throw Diagnostic.field("url", "rediss:// (TLS) is not supported by redis_check yet; use a TLS tunnel or plain redis:// on a private network")
            }
            host = u.host.isEmpty ? host : u.host
            port = u.port ?? port
            user = (u.user?.isEmpty == false) ? u.user : nil
            password = (u.password?.isEmpty == false) ? u.password : nil
        }
        if let h = try c.decodeIfPresent(String.self, forKey: .host) { host = h }
        if let p = try c.decodeIfPresent(Int.self, forKey: .port) {
            guard (1...65535).contains(p) else { throw Diagnostic.field("port", "\(p) is out of range 1-65535") }
            port = p
        }
        if let u = try c.decodeIfPresent(String.self, forKey: .user) { user = u }
        if let p = try c.decodeIfPresent(String.self, forKey: .password) { password = p }
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        timeout = try c.decode(ConfigDuration.self, forKey: .timeout).seconds
    }

    var shown: String { "redis://\(user.map { "\($0)\(password == nil ? "" : ":****")@" } ?? (password == nil ? "" : ":****@"))\(host):\(port)" }

    /// Connects and authenticates; errors say what to check, never the password.
    func connect() async throws -> RESPClient {
        let client: RESPClient
        do {
            client = try await RESPClient.open(host: host, port: port, timeout: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ResourceFailure("\(shown): \(error)" + ("\(error)".contains("refused") ? " (is Redis running there?)" : ""))
        }
        if let password {
            let r = try await call(client, user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
            if case .error(let e) = r {
                if e.hasPrefix("WRONGPASS") || e.contains("invalid password") || e.contains("invalid username-password") {
                    throw ResourceFailure("\(shown): authentication failed for user \(user ?? "default") (wrong password, or the ACL user does not exist or is disabled)")
                }
                if e.contains("without any password configured") {
                    throw ResourceFailure("\(shown): a password was given but the server has none configured (remove it, or set requirepass)")
                }
                throw ResourceFailure("\(shown): AUTH failed: \(mask(e))")
            }
        }
        return client
    }

    func call(_ client: RESPClient, _ args: [String]) async throws -> RESPValue {
        do { return try await client.call(args) } catch is CancellationError { throw CancellationError() } catch { throw ResourceFailure("\(shown): \(mask("\(error)"))") }
    }

    func mask(_ s: String) -> String { DatabaseURL.mask(s, password: password) }
}
