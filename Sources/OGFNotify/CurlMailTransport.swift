import CCurl
import Foundation

/// SMTP through libcurl on a thread of its own (a transfer blocks).
public struct CurlMailTransport: MailTransport {
    static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        return true
    }()

    public init() { _ = Self.initialised }

    final class Upload {
        let data: Data
        var offset = 0
        init(_ d: Data) { data = d }
    }

    public func send(url: String, username: String?, password: String?, from: String, to: [String], message: Data, timeout: Double) async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
            Thread {
                cont.resume(with: Result { try Self.perform(url: url, username: username, password: password, from: from, to: to, message: message, timeout: timeout) })
            }.start()
        }
    }

    static func perform(url: String, username: String?, password: String?, from: String, to: [String], message: Data, timeout: Double) throws {
        guard let h = curl_easy_init() else { throw SinkError("smtp: could not initialise libcurl", retryable: false) }
        defer { curl_easy_cleanup(h) }
        let upload = Upload(message)
        let ctx = Unmanaged.passRetained(upload)
        defer { ctx.release() }
        var rcpt: UnsafeMutablePointer<curl_slist>?
        for t in to { rcpt = curl_slist_append(rcpt, "<\(t)>") }
        defer { curl_slist_free_all(rcpt) }
        var errbuf = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errbuf.withUnsafeMutableBufferPointer { eb in
            _ = url.withCString { ogf_curl_setopt_str(h, CURLOPT_URL, $0) }
            _ = ogf_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, eb.baseAddress)
            _ = ogf_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
            _ = ogf_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
            _ = ogf_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(timeout, 30) * 1000)))
            // STARTTLS when the server offers it; smtps:// is TLS from the start.
            _ = ogf_curl_setopt_long(h, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
            if let username { _ = username.withCString { ogf_curl_setopt_str(h, CURLOPT_USERNAME, $0) } }
            if let password { _ = password.withCString { ogf_curl_setopt_str(h, CURLOPT_PASSWORD, $0) } }
            _ = "<\(from)>".withCString { ogf_curl_setopt_str(h, CURLOPT_MAIL_FROM, $0) }
            _ = ogf_curl_setopt_ptr(h, CURLOPT_MAIL_RCPT, rcpt)
            _ = ogf_curl_setopt_long(h, CURLOPT_UPLOAD, 1)
            _ = ogf_curl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count))
            _ = ogf_curl_setopt_read(h) { buf, size, n, ud in
                let u = Unmanaged<Upload>.fromOpaque(ud!).takeUnretainedValue()
                let take = min(size * n, u.data.count - u.offset)
                if take > 0 {
                    u.data.withUnsafeBytes { raw in UnsafeMutableRawPointer(buf!).copyMemory(from: raw.baseAddress! + u.offset, byteCount: take) }
                    u.offset += take
                }
                return take
            }
            _ = ogf_curl_setopt_ptr(h, CURLOPT_READDATA, ctx.toOpaque())
            return curl_easy_perform(h)
        }
        guard code == CURLE_OK else {
            var status = 0
            _ = ogf_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            let detail = String(cString: errbuf)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            // 4xx SMTP replies are transient, 5xx permanent; transport errors are worth a retry.
            let retryable = status == 0 ? code != CURLE_LOGIN_DENIED : (400..<500).contains(status)
            throw SinkError("smtp: \(text)\(status > 0 ? " (reply \(status))" : "")", retryable: retryable,
                            retryAfter: nil)
        }
    }
}
