import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One certificate of a server's chain, as libcurl's certificate info reports it.
public struct TLSCertificate: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var notAfter: Date?
    public var subjectAltNames: String
}

/// What a TLS handshake showed: the chain (leaf first), the negotiated protocol, and whether
/// a strict handshake (chain, hostname, minimum protocol) succeeded.
public struct TLSReport: Sendable {
    public var chain: [TLSCertificate]
    /// `TLSv1.3`, or nil when the TLS library does not say.
    public var protocolVersion: String?
    /// nil when the strict handshake verified; otherwise libcurl's reason.
    public var verifyError: String?
}

/// Inspects a server's TLS: `CurlTLSProbe` in production, anything in tests.
public protocol TLSProbing: Sendable {
    func inspect(url: String, caFile: String?, minimumTLS13: Bool, timeout: Double) async throws -> TLSReport
}

public struct TLSProbeError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Two handshakes through libcurl (connect only, no request): one that accepts any certificate,
/// to read the chain (CURLOPT_CERTINFO) and the protocol; one that verifies chain, hostname and
/// the minimum protocol, for the verdict. Each runs on a thread of its own (libcurl blocks).
public struct CurlTLSProbe: TLSProbing {
    public init() {}

    public func inspect(url: String, caFile: String?, minimumTLS13: Bool, timeout: Double) async throws -> TLSReport {
        try await withCheckedThrowingContinuation { cont in
            Thread {
                cont.resume(with: Result {
                    let info = try Self.handshake(url: url, caFile: caFile, strict: false, tls13: false, timeout: timeout)
                    guard info.error == nil else { throw TLSProbeError(description: info.error!) }
                    let strict = try Self.handshake(url: url, caFile: caFile, strict: true, tls13: minimumTLS13, timeout: timeout)
                    return TLSReport(chain: info.chain, protocolVersion: info.version, verifyError: strict.error)
                })
            }.start()
        }
    }

    static func handshake(url: String, caFile: String?, strict: Bool, tls13: Bool, timeout: Double) throws
        -> (chain: [TLSCertificate], version: String?, error: String?) {
        guard let h = curl_easy_init() else { throw TLSProbeError(description: "curl_easy_init failed") }
        defer { curl_easy_cleanup(h) }
        var errbuf = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return try errbuf.withUnsafeMutableBufferPointer { eb in
            _ = ogf_curl_setopt_str(h, CURLOPT_URL, url)
            _ = ogf_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, eb.baseAddress)
            _ = ogf_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
            _ = ogf_curl_setopt_long(h, CURLOPT_CONNECT_ONLY, 1)
            _ = ogf_curl_setopt_long(h, CURLOPT_CERTINFO, 1)
            _ = ogf_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
            _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, strict ? 1 : 0)
            _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, strict ? 2 : 0)
            _ = ogf_curl_setopt_long(h, CURLOPT_SSLVERSION, Int(strict ? (tls13 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2) : CURL_SSLVERSION_DEFAULT))
            if let caFile { _ = caFile.withCString { ogf_curl_setopt_str(h, CURLOPT_CAINFO, $0) } }
            let trace = Trace()
            let box = Unmanaged.passRetained(trace)
            defer { box.release() }
            _ = ogf_curl_setopt_long(h, CURLOPT_VERBOSE, 1)
            _ = ogf_curl_setopt_debug(h) { _, type, data, size, ud in
                guard type == CURLINFO_TEXT, let data, let ud else { return 0 }
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                if let r = line.range(of: "SSL connection using ") {
                    let rest = line[r.upperBound...]
                    Unmanaged<Trace>.fromOpaque(ud).takeUnretainedValue().version = rest.split(separator: " ").first.map(String.init)
                }
                return 0
            }
            _ = ogf_curl_setopt_ptr(h, CURLOPT_DEBUGDATA, box.toOpaque())
            let rc = curl_easy_perform(h)
            if rc != CURLE_OK {
                let detail = String(cString: eb.baseAddress!)
                return ([], nil, detail.isEmpty ? String(cString: curl_easy_strerror(rc)) : detail)
            }
            return (certificates(h), trace.version, nil)
        }
    }

    static func certificates(_ h: UnsafeMutableRawPointer) -> [TLSCertificate] {
        var info: UnsafeMutablePointer<curl_certinfo>?
        guard ogf_curl_getinfo_certinfo(h, &info) == CURLE_OK, let info, let lists = info.pointee.certinfo else { return [] }
        var out: [TLSCertificate] = []
        for i in 0..<Int(info.pointee.num_of_certs) {
            var fields: [String: String] = [:]
            var node = lists[i]
            while let n = node {
                let line = String(cString: n.pointee.data)
                if let colon = line.firstIndex(of: ":") { fields[String(line[..<colon])] = String(line[line.index(after: colon)...]) }
                node = n.pointee.next
            }
            out.append(TLSCertificate(subject: fields["Subject"] ?? "", issuer: fields["Issuer"] ?? "",
                                      notAfter: fields["Expire date"].flatMap(parseDate),
                                      subjectAltNames: fields["X509v3 Subject Alternative Name"] ?? ""))
        }
        return out
    }

    /// OpenSSL prints `Feb 28 05:30:46 2027 GMT` (a space-padded day); some builds print
    /// `2027-02-28 05:30:46 GMT`.
    static func parseDate(_ text: String) -> Date? {
        let t = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for format in ["MMM d HH:mm:ss yyyy zzz", "yyyy-MM-dd HH:mm:ss zzz", "MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let d = f.date(from: t) { return d }
        }
        return nil
    }

    /// Collects the protocol from libcurl's own trace ("SSL connection using TLSv1.3 / …"): the
    /// one place every TLS backend names it (CURLINFO_TLS_SSL_PTR has no session on a
    /// connect-only handle once perform returns).
    final class Trace {
        var version: String?
    }
}
