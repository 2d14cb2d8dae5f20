import Crypto
import Foundation
import OGFCore

/// AWS Signature Version 4 for HTTP requests with the signature in the `Authorization` header
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
///
/// Pure: the date is passed in, so the published test-suite vectors can be reproduced exactly.
/// It signs `host`, `x-amz-date`, `x-amz-security-token` (with temporary credentials) and every
/// header the caller passes; it does not add `x-amz-content-sha256` (S3 needs it, STS and IAM
/// do not).
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The signed request's parts, for tests and for error messages that explain a mismatch.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
        /// Headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token`, `Authorization`.
        public var headers: [(String, String)]
    }

    /// Signs `method url` with `headers` (without Host: it is taken from the URL) and `body`.
    public func sign(method: String, url: String, headers: [(String, String)] = [], body: Data = Data(), date: Date) -> Signature {
        let amzDate = Self.amzDate(date)
        let day = String(amzDate.prefix(8))
        let parts = URLParts(url)
        var all: [(String, String)] = [("host", parts.host), ("x-amz-date", amzDate)]
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        all += headers.filter { $0.0.lowercased() != "host" }
        // Lower-case names, values trimmed with inner runs of spaces collapsed, duplicates joined by commas.
        var merged: [String: [String]] = [:]
        for (k, v) in all { merged[k.lowercased(), default: []].append(Self.trimValue(v)) }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let payloadHash = Hex.encode(Array(SHA256.hash(data: body)))
        let canonicalRequest = [method.uppercased(), Self.canonicalPath(parts.path), Self.canonicalQuery(parts.query),
                                canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope,
                            Hex.encode(Array(SHA256.hash(data: Data(canonicalRequest.utf8))))].joined(separator: "\n")
        let key = signingKey(day: day)
        let signature = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        var out: [(String, String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { out.append(("X-Amz-Security-Token", token)) }
        out.append(("Authorization", authorization))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                         authorization: authorization, headers: out)
    }

    func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        let kDate = hmac(SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8)), day)
        return hmac(hmac(hmac(kDate, region), service), "aws4_request")
    }

    /// `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }

    static func trimValue(_ v: String) -> String {
        v.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters, as SigV4 requires.
    public static func uriEncode(_ s: String, keepSlash: Bool = false) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// Each path segment decoded and encoded once (services other than S3 also normalise the
    /// path, which the callers here never need: their paths are `/`).
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return uriEncode(path.removingPercentEncoding ?? path, keepSlash: true)
    }

    /// Parameters encoded, sorted by name, then by value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { item -> (String, String) in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            return (uriEncode(k), uriEncode(v))
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}

/// Host (with a non-default port), path and query of a URL, without Foundation's URL quirks
/// around empty paths.
struct URLParts {
    var host: String
    var path: String
    var query: String

    init(_ url: String) {
        var rest = Substring(url)
        var defaultPort = ""
        if let r = rest.range(of: "://") {
            defaultPort = rest[..<r.lowerBound].lowercased() == "https" ? "443" : "80"
            rest = rest[r.upperBound...]
        }
        let hostEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var host = String(rest[..<hostEnd]).lowercased()
        if host.hasSuffix(":" + defaultPort) { host.removeLast(defaultPort.count + 1) }
        self.host = host
        rest = rest[hostEnd...]
        if let q = rest.firstIndex(of: "?") {
            path = String(rest[..<q])
            query = String(rest[rest.index(after: q)...])
        } else {
            path = String(rest)
            query = ""
        }
        if path.isEmpty { path = "/" }
    }
}
