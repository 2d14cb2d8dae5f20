import CCurl
import Foundation

/// HTTP over the system libcurl. Each request runs on a thread of its own: a blocking transfer
/// must never occupy one of Swift's few cooperative threads (nor a shared dispatch worker).
///
/// Connections are kept alive: the easy handles come from a `CurlConnectionPool` that every copy
/// of this value shares, so create one client per run and pass it to the kinds (as the commands
/// do) rather than one per request. Cancelling the calling task aborts its transfer.
public struct CurlHTTPClient: HTTPClient {
    static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        return true
    }()

    public let pool: CurlConnectionPool

    /// A client with a pool of its own.
    public init() { self.init(pool: CurlConnectionPool()) }

    /// A client over an existing pool (shares its connections).
    public init(pool: CurlConnectionPool) {
        _ = Self.initialised
        self.pool = pool
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        let pool = self.pool
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { cont in
                // A thread of its own rather than DispatchQueue.global(): a blocked worker of the
                // global queue is replaced only after a while, so many slow transfers delayed
                // everything else queued there (timers included) on a busy machine.
                let thread = Thread {
                    cont.resume(with: Result { try Self.perform(request, pool: pool, cancel: flag) })
                }
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
    }

    final class Sink {
        var body = Data()
        var headerLines: [String] = []
        var upload: Data
        var uploadOffset = 0
        /// Set when the body streams from a file; `remaining` counts down to zero.
        var file: UnsafeMutablePointer<FILE>?
        var remaining: Int64 = 0
        let cancel: CancellationFlag

        init(upload: Data, cancel: CancellationFlag) {
            self.upload = upload
            self.cancel = cancel
        }
        deinit { if let file { fclose(file) } }
    }

    static func perform(_ r: HTTPRequest, pool: CurlConnectionPool, cancel: CancellationFlag) throws -> HTTPResponse {
        if cancel.isCancelled { throw CancellationError() }
        guard let h = pool.take() else { throw HTTPError("could not initialise libcurl") }
        defer { pool.give(h) }
        let sink = Sink(upload: r.body ?? Data(), cancel: cancel)
        if let f = r.bodyFile {
            guard let fp = fopen(f.path, "rb") else { throw HTTPError("\(r.method) \(Self.redact(r.url)): cannot open \(f.path) to upload") }
            fseeko(fp, off_t(f.offset), SEEK_SET)
            sink.file = fp
            sink.remaining = f.length
        }
        let hasBody = r.body != nil || r.bodyFile != nil
        let ctx = Unmanaged.passRetained(sink)
        defer { ctx.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for (k, v) in r.headers { list = curl_slist_append(list, "\(k): \(v)") }
        if hasBody, !r.headers.contains(where: { $0.0.lowercased() == "expect" }) {
            list = curl_slist_append(list, "Expect:")
        }
        defer { curl_slist_free_all(list) }

        var errbuf = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = r.url.withCString { url in
            r.method.withCString { method in
                errbuf.withUnsafeMutableBufferPointer { eb in
                    _ = ogf_curl_setopt_str(h, CURLOPT_URL, url)
                    _ = ogf_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, eb.baseAddress)
                    _ = ogf_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
                    _ = ogf_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(r.timeout * 1000)))
                    _ = ogf_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(r.timeout, 30) * 1000)))
                    _ = ogf_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, r.followRedirects ? 1 : 0)
                    if r.insecure {
                        _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0)
                        _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0)
                    }
                    if let ca = r.caFile { _ = ca.withCString { ogf_curl_setopt_str(h, CURLOPT_CAINFO, $0) } }
                    if let cert = r.clientCertFile { _ = cert.withCString { ogf_curl_setopt_str(h, CURLOPT_SSLCERT, $0) } }
                    if let key = r.clientKeyFile { _ = key.withCString { ogf_curl_setopt_str(h, CURLOPT_SSLKEY, $0) } }
                    _ = ogf_curl_setopt_ptr(h, CURLOPT_HTTPHEADER, list)
                    _ = ogf_curl_setopt_write(h) { ptr, size, n, ud in
                        let s = Unmanaged<Sink>.fromOpaque(ud!).takeUnretainedValue()
                        s.body.append(UnsafeRawPointer(ptr!).assumingMemoryBound(to: UInt8.self), count: size * n)
                        return size * n
                    }
                    _ = ogf_curl_setopt_ptr(h, CURLOPT_WRITEDATA, ctx.toOpaque())
                    _ = ogf_curl_setopt_header(h) { ptr, size, n, ud in
                        let s = Unmanaged<Sink>.fromOpaque(ud!).takeUnretainedValue()
                        let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: size * n), as: UTF8.self)
                        s.headerLines.append(line.trimmingCharacters(in: .whitespacesAndNewlines))
                        return size * n
                    }
                    _ = ogf_curl_setopt_ptr(h, CURLOPT_HEADERDATA, ctx.toOpaque())
                    // Called about once a second while waiting, more often while data flows.
                    _ = ogf_curl_setopt_long(h, CURLOPT_NOPROGRESS, 0)
                    _ = ogf_curl_setopt_xferinfo(h) { ud, _, _, _, _ in
                        Unmanaged<Sink>.fromOpaque(ud!).takeUnretainedValue().cancel.isCancelled ? 1 : 0
                    }
                    _ = ogf_curl_setopt_ptr(h, CURLOPT_XFERINFODATA, ctx.toOpaque())
                    switch r.method {
                    case "GET": _ = ogf_curl_setopt_long(h, CURLOPT_HTTPGET, 1)
                    case "HEAD": _ = ogf_curl_setopt_long(h, CURLOPT_NOBODY, 1)
                    default: _ = ogf_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, method)
                    }
                    if hasBody {
                        _ = ogf_curl_setopt_long(h, CURLOPT_UPLOAD, 1)
                        let size = sink.file != nil ? sink.remaining : Int64(sink.upload.count)
                        _ = ogf_curl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))
                        if sink.file != nil { _ = ogf_curl_setopt_long(h, CURLOPT_UPLOAD_BUFFERSIZE, 2 * 1024 * 1024) }
                        _ = ogf_curl_setopt_read(h) { buf, size, n, ud in
                            let s = Unmanaged<Sink>.fromOpaque(ud!).takeUnretainedValue()
                            if let fp = s.file {
                                let want = Int(min(Int64(size * n), s.remaining))
                                guard want > 0 else { return 0 }
                                let got = fread(buf, 1, want, fp)
                                s.remaining -= Int64(got)
                                return got
                            }
                            let take = min(size * n, s.upload.count - s.uploadOffset)
                            if take > 0 {
                                s.upload.withUnsafeBytes { raw in
                                    UnsafeMutableRawPointer(buf!).copyMemory(from: raw.baseAddress! + s.uploadOffset, byteCount: take)
                                }
                                s.uploadOffset += take
                            }
                            return take
                        }
                        _ = ogf_curl_setopt_ptr(h, CURLOPT_READDATA, ctx.toOpaque())
                        // CURLOPT_UPLOAD means PUT; keep the method asked for.
                        if r.method != "PUT" { _ = ogf_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, method) }
                    }
                    return curl_easy_perform(h)
                }
            }
        }
        if code == CURLE_ABORTED_BY_CALLBACK, cancel.isCancelled { throw CancellationError() }
        guard code == CURLE_OK else {
            let detail = String(cString: errbuf)
            let base = String(cString: curl_easy_strerror(code))
            throw HTTPError("\(r.method) \(Self.redact(r.url)): \(detail.isEmpty ? base : detail)", isTimeout: code == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = ogf_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        var total = 0.0
        _ = ogf_curl_getinfo_double(h, CURLINFO_TOTAL_TIME, &total)
        // Keep only the headers of the final response (after redirects and 100-continue).
        var headers: [(String, String)] = []
        for line in sink.headerLines {
            if line.hasPrefix("HTTP/") { headers = []; continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return HTTPResponse(status: status, headers: headers, body: sink.body, totalTime: total)
    }

    /// Hides a password in a URL (`https://user:****@host`) for messages.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else { return url }
        let userinfo = url[schemeEnd.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":****" + String(url[at...])
    }
}
