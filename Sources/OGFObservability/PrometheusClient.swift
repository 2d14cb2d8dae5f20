import Foundation
import OGFHTTP

/// Why a Prometheus call gave no result.
public enum PrometheusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer: connection refused, timeout, TLS.
    case unreachable(String)
    /// Prometheus refused the query (`bad_data`: invalid PromQL) — a configuration error.
    case rejected(type: String, message: String)
    /// An answer that is not Prometheus's API (wrong URL, a proxy's error page).
    case badResponse(String)

    public var description: String {
        switch self {
        case .unreachable(let m): return "Prometheus cannot be reached: \(m)"
        case .rejected(let t, let m): return "Prometheus rejected the query (\(t)): \(m)"
        case .badResponse(let m): return "unexpected answer from Prometheus: \(m)"
        }
    }

    /// True when the query itself is wrong (not the server or the network).
    public var isInvalidQuery: Bool { if case .rejected(let t, _) = self { return t == "bad_data" } else { return false } }
}

/// Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`, `/-/ready`) over OGFHTTP.
public struct PrometheusClient: Sendable {
    public let baseURL: String
    let http: any HTTPClient
    let timeout: Double

    /// `baseURL` such as `http://127.0.0.1:19090` (a trailing slash is fine).
    public init(baseURL: String, http: any HTTPClient, timeout: Double = 10) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.timeout = timeout
    }

    /// An instant query, evaluated at `time` (default: now, as Prometheus sees it).
    public func query(_ promql: String, at time: Date? = nil) async throws -> PrometheusResult {
        var form = [("query", promql)]
        if let time { form.append(("time", Self.format(time))) }
        return try await post("/api/v1/query", form)
    }

    /// A range query from `start` to `end` every `step` seconds.
    public func queryRange(_ promql: String, start: Date, end: Date, step: Double) async throws -> PrometheusResult {
        try await post("/api/v1/query_range", [("query", promql), ("start", Self.format(start)), ("end", Self.format(end)),
                                                ("step", String(format: "%.3f", max(step, 0.001)))])
    }

    /// True when `/-/ready` answers 200; the reason otherwise.
    public func ready() async -> (ok: Bool, reason: String) {
        do {
            let r = try await http.send(HTTPRequest(url: baseURL + "/-/ready", timeout: timeout))
            return r.status == 200 ? (true, "ready") : (false, "/-/ready answered \(r.status): \(r.text.prefix(120))")
        } catch {
            return (false, "\(error)")
        }
    }

    func post(_ path: String, _ form: [(String, String)]) async throws -> PrometheusResult {
        let body = form.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: "POST", url: baseURL + path,
                                                       headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                       body: Data(body.utf8), timeout: timeout))
        } catch let e as HTTPError {
            throw PrometheusError.unreachable(e.message)
        }
        // 400 (bad_data) and 422 (execution) carry the JSON error envelope; 503 while starting.
        if response.status >= 500 { throw PrometheusError.unreachable("\(path) answered \(response.status)") }
        return try PrometheusJSON.decode(response.body)
    }

    static func format(_ d: Date) -> String { String(format: "%.3f", d.timeIntervalSince1970) }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
