import Foundation
import OGFCore

/// `check_http`'s `flow`: requests in order, each able to capture values from its response (a JSON
/// field, a header) into named variables that later steps use as `{{name}}` in their url, headers
/// and body. Captured values are treated as secrets: they never reach output, state or messages.
struct HTTPFlowStep: Decodable, Sendable {
    struct Capture: Decodable, Sendable, Equatable {
        enum Source: Sendable, Equatable { case json(String), header(String) }
        var source: Source

        enum CodingKeys: String, CodingKey { case json, header }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let json = try c.decodeIfPresent(String.self, forKey: .json)
            let header = try c.decodeIfPresent(String.self, forKey: .header)
            switch (json, header) {
            case (let path?, nil) where !path.isEmpty: source = .json(path)
            case (nil, let name?) where !name.isEmpty: source = .header(name)
            default:
                throw Diagnostic.field(HTTPExpect.path(decoder.codingPath), "give exactly one of json: (a dotted path in the response body) or header: (a response header name)")
            }
        }
    }

    var name: String?
    var method: String
    var url: String
    var headers: [String: String]
    var body: String?
    var expectStatus: [Int]
    var json: [String: Value]
    var bodyContains: String?
    var capture: [String: Capture]

    enum CodingKeys: String, CodingKey {
        case name, method, url, headers, body, expectStatus = "expect_status", json, bodyContains = "body_contains", capture
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "GET"
        url = try c.decode(String.self, forKey: .url)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        body = try c.decodeIfPresent(String.self, forKey: .body)
        expectStatus = try HTTPExpect.statuses(c, .expectStatus, default: [200])
        json = try c.decodeIfPresent([String: Value].self, forKey: .json) ?? [:]
        bodyContains = try c.decodeIfPresent(String.self, forKey: .bodyContains)
        capture = try c.decodeIfPresent([String: Capture].self, forKey: .capture) ?? [:]
        for name in capture.keys where !HTTPTemplate.isName(name) {
            throw Diagnostic.field(HTTPExpect.path(decoder.codingPath) + ".capture.\(name)", "a captured variable's name is letters, digits and _ (used as {{\(name)}})")
        }
    }
}

/// `check_http`'s `auth`: the same request must be refused (401/403) without the credentials and
/// accepted (2xx) with them.
struct HTTPAuthCheck: Decodable, Sendable {
    var url: String?
    var method: String
    var headers: [String: String]
    var body: String?
    var expectDenied: [Int]
    var expectStatus: [Int]?

    enum CodingKeys: String, CodingKey { case url, method, headers, body, expectDenied = "expect_denied", expectStatus = "expect_status" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "GET"
        headers = try c.decode([String: String].self, forKey: .headers)
        if headers.isEmpty {
            throw Diagnostic.field(HTTPExpect.path(decoder.codingPath) + ".headers", "give the credentials to send, e.g. Authorization: \"Bearer {{token}}\"")
        }
        body = try c.decodeIfPresent(String.self, forKey: .body)
        expectDenied = try HTTPExpect.statuses(c, .expectDenied, default: [401, 403])
        expectStatus = c.contains(.expectStatus) ? try HTTPExpect.statuses(c, .expectStatus, default: [200]) : nil
    }
}

/// `check_http`'s `rate_limit`: a burst of at most `requests` must meet a 429 (with Retry-After).
struct HTTPRateLimitCheck: Decodable, Sendable {
    var url: String?
    var method: String
    var headers: [String: String]
    var requests: Int
    var requireRetryAfter: Bool

    static let maxRequests = 10_000

    enum CodingKeys: String, CodingKey { case url, method, headers, requests, requireRetryAfter = "require_retry_after" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "GET"
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        requests = try c.decode(Int.self, forKey: .requests)
        guard (2...Self.maxRequests).contains(requests) else {
            throw Diagnostic.field(HTTPExpect.path(decoder.codingPath) + ".requests", "the burst is 2 to \(Self.maxRequests) requests, not \(requests)")
        }
        requireRetryAfter = try c.decodeIfPresent(Bool.self, forKey: .requireRetryAfter) ?? true
    }
}

enum HTTPExpect {
    /// A coding path as the planner names fields: `flow[1].capture.token`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return out
    }

    /// A status code or a non-empty list of them.
    static func statuses<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K, default value: [Int]) throws -> [Int] {
        guard c.contains(key) else { return value }
        if let one = try? c.decode(Int.self, forKey: key) { return [one] }
        if let many = try? c.decode([Int].self, forKey: key), !many.isEmpty { return many }
        throw Diagnostic.field(path(c.codingPath + [key]), "expected a status code or a list of them, such as 200 or [200, 204]", code: .wrongType)
    }
}

/// `{{name}}` placeholders for values captured earlier in a flow.
enum HTTPTemplate {
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// The names a text refers to, in order.
    static func names(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            out.append(String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func expand(_ text: String, _ vars: [String: String]) -> String {
        var out = text
        for name in names(in: text) {
            guard let v = vars[name] else { continue }
            out = out.replacingOccurrences(of: "{{\(name)}}", with: v).replacingOccurrences(of: "{{ \(name) }}", with: v)
        }
        return out
    }

    /// Every text of a request (url, header values, body) at `field`, for checking references.
    static func references(url: String?, headers: [String: String], body: String?) -> [(field: String, name: String)] {
        var out: [(String, String)] = []
        if let url { out += names(in: url).map { ("url", $0) } }
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { out += names(in: v).map { ("headers.\(k)", $0) } }
        if let body { out += names(in: body).map { ("body", $0) } }
        return out
    }

    /// An absolute URL, or one starting with "/" resolved against the check's own URL.
    static func resolve(_ url: String, base: String) -> String {
        guard url.hasPrefix("/") else { return url }
        guard let scheme = base.range(of: "://") else { return url }
        let afterHost = base[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? base.endIndex
        return String(base[..<afterHost]) + url
    }
}
