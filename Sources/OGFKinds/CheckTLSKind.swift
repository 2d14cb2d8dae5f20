import Foundation
import OGFCore
import OGFHTTP

/// `check_tls`: a TLS endpoint's certificate verifies (chain and hostname), speaks at least
/// TLS 1.2, and has more than `min_days_left` days before it expires — so a certificate that
/// renewal forgot fails the release before it takes the site down. The plan shows the expiry.
public struct CheckTLSKind: ResourceKind {
    let probe: any TLSProbing
    let now: @Sendable () -> Date

    public init(probe: any TLSProbing = CurlTLSProbe(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.probe = probe
        self.now = now
    }

    public let name = "check_tls"
    public let role = ResourceRole.check
    public let summary = "TLS check: the certificate verifies (chain, hostname), at least TLS 1.2, and does not expire within min_days_left days."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, doc: "The endpoint: `https://HOST[:PORT]` (a path is ignored)."),
        FieldSpec("min_days_left", .int, default: 14, doc: "Fail when the certificate expires within this many days."),
        FieldSpec("min_tls", .oneOf(["1.2", "1.3"]), default: "1.2", doc: "The oldest protocol version accepted."),
        FieldSpec("ca_file", .string, doc: "A CA bundle to verify the chain with instead of the system's (a private CA)."),
        FieldSpec("timeout", .duration, default: "10s", doc: "Longest each handshake may take."),
    ])
    public let outputs = [
        "expires_at": "When the server's certificate expires (UTC, ISO 8601).",
        "days_left": "Whole days until then.",
        "subject": "The certificate's subject.",
        "issuer": "Its issuer.",
        "protocol": "The negotiated protocol, e.g. TLSv1.3.",
    ]

    struct Config: Decodable {
        var url: String
        var minDaysLeft: Int
        var minTLS: String
        var caFile: String?
        var timeout: ConfigDuration

        enum CodingKeys: String, CodingKey { case url, minDaysLeft = "min_days_left", minTLS = "min_tls", caFile = "ca_file", timeout }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            guard url.lowercased().hasPrefix("https://") else {
                throw Diagnostic.field("url", "check_tls needs an https:// URL, got \(url)", code: .wrongType)
            }
            minDaysLeft = try c.decode(Int.self, forKey: .minDaysLeft)
            minTLS = try c.decode(String.self, forKey: .minTLS)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        guard let c = try request.decodeIfKnown(Config.self), request.refresh else { return r }
        do {
            let report = try await probe.inspect(url: c.url, caFile: c.caFile.map(request.context.path), minimumTLS13: c.minTLS == "1.3",
                                                 timeout: c.timeout.seconds)
            if let leaf = report.chain.first, let end = leaf.notAfter {
                let days = Self.daysLeft(end, now: now())
                r.details.append("certificate expires \(Self.day(end)) (\(days) day\(days == 1 ? "" : "s") left, min_days_left \(c.minDaysLeft))")
                if days < c.minDaysLeft { r.diagnostics.append(.warning("\(request.address) will fail: the certificate expires in \(days) days")) }
            }
        } catch {
            r.details.append("cannot read the certificate now: \(error)")
        }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let report: TLSReport
        do {
            report = try await probe.inspect(url: c.url, caFile: c.caFile.map(request.context.path), minimumTLS13: c.minTLS == "1.3",
                                             timeout: c.timeout.seconds)
        } catch {
            throw ResourceFailure("\(c.url): cannot complete a TLS handshake: \(error)")
        }
        var outputs: [String: Value] = [:]
        var problems: [String] = []
        let leaf = report.chain.first
        if let leaf {
            outputs["subject"] = .string(leaf.subject)
            outputs["issuer"] = .string(leaf.issuer)
        }
        if let proto = report.protocolVersion { outputs["protocol"] = .string(proto) }
        if let end = leaf?.notAfter {
            let days = Self.daysLeft(end, now: now())
            outputs["expires_at"] = .string(ISO8601DateFormatter().string(from: end))
            outputs["days_left"] = .int(days)
            if days < 0 {
                problems.append("the certificate expired on \(Self.day(end))")
            } else if days < c.minDaysLeft {
                problems.append("the certificate expires in \(days) day\(days == 1 ? "" : "s") (\(Self.day(end))), within min_days_left \(c.minDaysLeft): renew it now (with Let's Encrypt, check that the renewal job runs)")
            }
        } else {
            problems.append("libcurl reported no certificate expiry date")
        }
        if let err = report.verifyError { problems.append(Self.explain(err, minTLS: c.minTLS)) }
        if let proto = report.protocolVersion, Self.below(proto, c.minTLS) {
            problems.append("negotiated \(proto), older than TLS \(c.minTLS)")
        }
        guard problems.isEmpty else { throw ResourceFailure("\(c.url): " + problems.joined(separator: "; "), outputs: outputs) }
        let days = outputs["days_left"]?.intValue ?? 0
        return ApplyResponse(outputs: outputs, summary: "\(report.protocolVersion ?? "TLS"), certificate verified, \(days) days left")
    }

    /// libcurl's verification error, in words that say what to fix.
    static func explain(_ err: String, minTLS: String) -> String {
        let e = err.lowercased()
        if e.contains("subject name") || e.contains("does not match") || e.contains("no alternative certificate") {
            return "the certificate is not valid for this host name (\(err))"
        }
        if e.contains("self-signed") || e.contains("self signed") {
            return "the chain does not verify: self-signed certificate not trusted (\(err)); use a certificate from a trusted CA, or ca_file: for a private CA"
        }
        if e.contains("expired") { return "the certificate has expired (\(err))" }
        if e.contains("local issuer") || e.contains("unable to get") || e.contains("verify") {
            return "the chain does not verify (\(err)); serve the full chain, or set ca_file: for a private CA"
        }
        if e.contains("protocol") || e.contains("version") { return "the server does not speak TLS \(minTLS) or newer (\(err))" }
        return "strict handshake failed: \(err)"
    }

    static func below(_ proto: String, _ min: String) -> Bool {
        let order = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        guard let have = order.firstIndex(of: proto), let need = order.firstIndex(of: "TLSv" + min) else { return false }
        return have < need
    }

    static func daysLeft(_ end: Date, now: Date) -> Int { Int((end.timeIntervalSince(now) / 86400).rounded(.down)) }

    static func day(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: d)
    }
}
