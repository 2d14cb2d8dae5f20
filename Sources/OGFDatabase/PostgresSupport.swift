import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OGFCore

/// What every PostgreSQL kind shares: the URL field decoded and checked once, connecting with a
/// clear, password-free error, and who is applying.
///
/// Decoded as a kind's `url` field (`var url: PostgresTarget`): a URL that is not postgres://, or
/// whose `sslmode` libpq would refuse, is a diagnostic at that field; the URL never appears in it.
struct PostgresTarget: Decodable, Sendable {
    var url: DatabaseURL
    /// The URL came from a secret (`${secret.X}`, a sensitive field).
    var isSensitive: Bool

    /// The URL as shown: password masked.
    var shown: String { url.masked }

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    init(_ raw: Marked<String>, field: String = "url") throws {
        let text = raw.value
        guard let u = DatabaseURL(text), u.scheme == "postgres" || u.scheme == "postgresql" else {
            // Only the scheme is named: the rest may hold a password.
            let got = text.isEmpty ? " (it is empty)" : DatabaseURL(text).map { " (got a \($0.scheme):// URL)" } ?? ""
            throw Diagnostic.field(field, "must be a postgres:// URL, e.g. postgres://user:password@127.0.0.1:5432/app?sslmode=require" + got)
        }
        if let mode = u.value("sslmode"), !Self.sslModes.contains(mode) {
            throw Diagnostic.field(field, "sslmode \"\(mode)\" is not one of \(Self.sslModes.joined(separator: ", "))")
        }
        url = u
        isSensitive = raw.isSensitive
    }

    init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        try self.init(try Marked<String>(from: decoder), field: field.isEmpty ? "url" : field)
    }

    func connect(application: String, timeout: Double = 10) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.open(url: url.raw, applicationName: application, connectTimeout: max(1, Int(timeout.rounded(.up))))
        } catch let e as PostgresError {
            throw ResourceFailure("cannot connect to \(shown): \(Self.explain(e.message, url: url, timeout: timeout))")
        }
    }

    /// libpq's message turned into what to check, password masked.
    static func explain(_ message: String, url: DatabaseURL, timeout: Double) -> String {
        let m = DatabaseURL.mask(message, password: url.password).replacingOccurrences(of: "\n", with: " ")
        let user = url.user ?? "(default user)"
        if m.contains("password authentication failed") { return "wrong password for user \(user) (the server said: \(m))" }
        if m.contains("no password supplied") { return "the server wants a password for user \(user) and the URL has none" }
        if m.contains("does not exist") && m.contains("database") { return "unknown database \"\(url.database)\" (the server said: \(m))" }
        if m.contains("role") && m.contains("does not exist") { return "unknown user \(user) (the server said: \(m))" }
        if m.contains("Connection refused") { return "connection refused: is PostgreSQL running and listening on \(url.host):\(url.port ?? 5432)? (\(m))" }
        if m.contains("timeout expired") { return "timed out after \(Int(timeout))s connecting to \(url.host):\(url.port ?? 5432)" }
        if m.contains("SSL") || m.contains("no encryption") || m.contains("hostssl") {
            return "TLS problem: \(m) (if the server requires TLS, add sslmode=require to the URL)"
        }
        return m
    }
}

extension KindContext {
    /// `user@host` of whoever runs ogf, recorded as applied_by and shown to a second migrator.
    var operatorName: String {
        let user = variables["USER"] ?? variables["LOGNAME"] ?? "unknown"
        return "\(user)@\(Self.hostName)"
    }

    /// gethostname(2) only: Foundation's hostName may resolve the name through DNS.
    static let hostName: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(cString: buf)
    }()
}
