import Foundation
import OGFCore
import OGFHTTP

/// An API error: the HTTP status and the `metav1.Status` the server sent (reason, message).
public struct KubeAPIError: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var reason: String
    public var message: String

    public var description: String {
        switch status {
        case 401: return "the API server rejected the credentials (401 Unauthorized): they are invalid or expired; refresh the kubeconfig's token or certificate"
        case 403: return "forbidden (403): \(message)"
        default: return message.isEmpty ? "HTTP \(status) \(reason)" : "\(message) (\(status) \(reason))"
        }
    }

    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 && reason == "Conflict" }
}

/// Requests against one API server with one set of credentials. Stateless apart from the
/// connection, so it can be shared by parallel tasks.
public struct KubeClient: Sendable {
    public let connection: ClusterConnection
    let http: any HTTPClient
    public var timeout: Double

    public init(connection: ClusterConnection, http: any HTTPClient, timeout: Double = 30) {
        self.connection = connection
        self.http = http
        self.timeout = timeout
    }

    /// Sends one request; answers the decoded JSON body, or throws `KubeAPIError` for a non-2xx
    /// answer and `HTTPError` when the server cannot be reached.
    public func request(_ method: String, _ path: String, query: [(String, String)] = [], body: Value? = nil,
                        contentType: String = "application/json") async throws -> Value {
        var url = connection.server + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var headers = [("Accept", "application/json"), ("User-Agent", "ogf")]
        if let t = connection.token { headers.append(("Authorization", "Bearer \(t)")) }
        var data: Data?
        if let body {
            headers.append(("Content-Type", contentType))
            data = Data(body.unmarked.jsonText(pretty: false).utf8)
        }
        let req = HTTPRequest(method: method, url: url, headers: headers, body: data, timeout: timeout, insecure: connection.insecure,
                              caFile: connection.caFile, clientCertFile: connection.clientCertFile, clientKeyFile: connection.clientKeyFile)
        let r = try await http.send(req)
        let v = JSONValue.parse(r.body) ?? .null
        guard (200..<300).contains(r.status) else {
            throw KubeAPIError(status: r.status, reason: v["reason"]?.stringValue ?? "", message: v["message"]?.stringValue ?? String(r.text.prefix(300)))
        }
        return v
    }

    public func get(_ path: String) async throws -> Value? {
        do { return try await request("GET", path) } catch let e as KubeAPIError where e.isNotFound { return nil }
    }

    /// Server-side apply of one object as field manager `ogf`.
    public func apply(_ object: Value, at path: String, force: Bool, dryRun: Bool = false) async throws -> Value {
        var q = [("fieldManager", "ogf"), ("fieldValidation", "Strict")]
        if force { q.append(("force", "true")) }
        if dryRun { q.append(("dryRun", "All")) }
        return try await request("PATCH", path, query: q, body: object, contentType: "application/apply-patch+yaml")
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
