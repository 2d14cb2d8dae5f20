import Foundation

/// A PostgreSQL or Redis URL taken apart: enough to connect, to hand to pg_dump without putting
/// the password on a command line, and to show with the password masked.
public struct DatabaseURL: Sendable {
    public var raw: String
    public var scheme: String
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int?
    /// The database name (PostgreSQL) or number (Redis), without the leading slash.
    public var database: String
    public var query: [(String, String)]

    public init?(_ raw: String) {
        guard let c = URLComponents(string: raw), let scheme = c.scheme else { return nil }
        self.raw = raw
        self.scheme = scheme
        user = c.percentEncodedUser.map { $0.removingPercentEncoding ?? $0 }
        password = c.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
        host = c.host ?? ""
        port = c.port
        database = String(c.path.drop(while: { $0 == "/" }))
        query = (c.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }

    /// The URL with the password replaced by `****`: safe for messages, plans and state.
    public var masked: String {
        guard let password, !password.isEmpty else { return raw }
        return Self.mask(raw, password: password)
    }

    /// Masks the password of any URL-looking text, and the given password anywhere in it.
    public static func mask(_ text: String, password: String?) -> String {
        var out = text
        if let password, !password.isEmpty {
            out = out.replacingOccurrences(of: password, with: "****")
            if let enc = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed), enc != password {
                out = out.replacingOccurrences(of: enc, with: "****")
            }
        }
        return out
    }

    /// The same URL without its password, for tools that take the password from `PGPASSWORD`.
    public var withoutPassword: String {
        guard var c = URLComponents(string: raw) else { return raw }
        c.percentEncodedPassword = nil
        return c.string ?? raw
    }

    /// The same server and credentials, another database (for the shadow database).
    public func with(database name: String) -> String {
        guard var c = URLComponents(string: raw) else { return raw }
        c.path = "/" + name
        return c.string ?? raw
    }

    public func value(_ key: String) -> String? { query.first { $0.0 == key }?.1 }
}
