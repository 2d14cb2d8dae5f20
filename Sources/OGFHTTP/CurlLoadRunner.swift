import CCurl
import Foundation

/// What every request of a load test sends. URLs are used in turn.
public struct LoadTarget: Sendable {
    public var method: String
    public var urls: [String]
    public var headers: [(String, String)]
    public var body: Data?
    /// Per-request timeout in seconds.
    public var timeout: Double
    public var insecure: Bool
    public var caFile: String?

    public init(method: String = "GET", urls: [String], headers: [(String, String)] = [], body: Data? = nil, timeout: Double = 10,
                insecure: Bool = false, caFile: String? = nil) {
        self.method = method
        self.urls = urls
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.insecure = insecure
        self.caFile = caFile
    }
}

/// The bounds of a load test: it stops by itself after `requests` or `duration`, whichever comes first.
public struct LoadLimits: Sendable {
    public var requests: Int
    /// Seconds; requests still in flight then are abandoned (counted, not measured).
    public var duration: Double
    public var concurrency: Int
    /// Requests per second to start at most (an open schedule); nil for as fast as `concurrency` allows.
    public var rate: Double?

    public init(requests: Int, duration: Double, concurrency: Int, rate: Double? = nil) {
        self.requests = requests
        self.duration = duration
        self.concurrency = concurrency
        self.rate = rate
    }
}

/// One finished request.
public struct LoadSample: Sendable {
    /// Start to last byte, from libcurl's own clock.
    public var latencyMicros: UInt64
    /// The HTTP status; 0 when the transfer failed (refused, timed out, reset).
    public var status: Int
    /// libcurl's error for a failed transfer.
    public var error: String?
}

/// How a load test ended.
public struct LoadRun: Sendable {
    public enum Stop: String, Sendable { case requests, duration, cancelled }
    public var started: Int
    public var completed: Int
    /// In flight when the time limit (or a cancellation) came.
    public var abandoned: Int
    /// Seconds from the first request to the end.
    public var elapsed: Double
    public var stoppedBy: Stop
}

/// A bounded load generator over libcurl's multi interface: `concurrency` easy handles on one
/// thread of its own, reused with their connections (keep-alive), started as soon as a slot is
/// free or on a fixed schedule when a rate is given. One thread drives every transfer, so the cost
/// per request is libcurl's, not a thread or a task per request.
public enum CurlLoadRunner {
    /// Runs the test on a thread of its own; `record` is called on that thread for each finished
    /// request, in completion order. Cancelling the task stops starting requests and abandons those in flight.
    public static func run(_ target: LoadTarget, limits: LoadLimits, record: @escaping @Sendable (LoadSample) -> Void) async -> LoadRun {
        _ = CurlHTTPClient.initialised
        let flag = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { cont in
                let thread = Thread { cont.resume(returning: drive(target, limits: limits, cancel: flag, record: record)) }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// The epoll set libcurl's sockets are in, and when libcurl's timer fires.
    final class SocketEvents {
        let fd = epoll_create1(0)
        var timerAt: Double?
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func drive(_ target: LoadTarget, limits: LoadLimits, cancel: CancellationFlag, record: (LoadSample) -> Void) -> LoadRun {
        let slots = max(1, min(limits.concurrency, limits.requests))
        guard let multi = curl_multi_init() else {
            return LoadRun(started: 0, completed: 0, abandoned: 0, elapsed: 0, stoppedBy: .cancelled)
        }
        // Socket-driven (curl_multi_socket_action over epoll): each readiness event touches only
        // its own transfer, where curl_multi_perform would look at every handle every time.
        let events = SocketEvents()
        defer { close(events.fd) }
        defer { curl_multi_cleanup(multi) }
        let eventsRef = Unmanaged.passUnretained(events).toOpaque()
        _ = ogf_curl_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, eventsRef)
        _ = ogf_curl_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, eventsRef)
        _ = ogf_curl_multi_setopt_socketfn(multi) { _, socket, what, userp, _ in
            let ev = Unmanaged<SocketEvents>.fromOpaque(userp!).takeUnretainedValue()
            if what == CURL_POLL_REMOVE {
                epoll_ctl(ev.fd, EPOLL_CTL_DEL, socket, nil)
                return 0
            }
            var e = epoll_event()
            e.events = (what & CURL_POLL_IN != 0 ? EPOLLIN.rawValue : 0) | (what & CURL_POLL_OUT != 0 ? EPOLLOUT.rawValue : 0)
            e.data.fd = socket
            if epoll_ctl(ev.fd, EPOLL_CTL_MOD, socket, &e) != 0 { epoll_ctl(ev.fd, EPOLL_CTL_ADD, socket, &e) }
            return 0
        }
        _ = ogf_curl_multi_setopt_timerfn(multi) { _, ms, userp in
            let ev = Unmanaged<SocketEvents>.fromOpaque(userp!).takeUnretainedValue()
            ev.timerAt = ms < 0 ? nil : CurlLoadRunner.now() + Double(ms) / 1000
            return 0
        }
        var headers: UnsafeMutablePointer<curl_slist>?
        for (k, v) in target.headers { headers = curl_slist_append(headers, "\(k): \(v)") }
        if target.body != nil { headers = curl_slist_append(headers, "Expect:") }
        defer { curl_slist_free_all(headers) }
        // CURLOPT_POSTFIELDS is not copied by libcurl: one buffer for the whole run.
        let bodyCount = target.body?.count ?? 0
        let body = UnsafeMutableRawPointer.allocate(byteCount: max(1, bodyCount), alignment: 1)
        defer { body.deallocate() }
        if let b = target.body { b.copyBytes(to: body.assumingMemoryBound(to: UInt8.self), count: bodyCount) }
        var errbufs: [UnsafeMutablePointer<CChar>] = []
        defer { errbufs.forEach { $0.deallocate() } }

        var idle: [UnsafeMutableRawPointer] = []
        var all: [UnsafeMutableRawPointer] = []
        for _ in 0..<slots {
            guard let h = curl_easy_init() else { continue }
            let eb = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
            eb[0] = 0
            errbufs.append(eb)
            _ = ogf_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, eb)
            _ = ogf_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
            _ = ogf_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(target.timeout * 1000)))
            _ = ogf_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(target.timeout, 30) * 1000)))
            _ = ogf_curl_setopt_long(h, CURLOPT_TCP_NODELAY, 1)
            // No proxy from the environment: a load test measures the service, and looking the
            // proxy variables up again for every transfer showed in profiles.
            _ = "".withCString { ogf_curl_setopt_str(h, CURLOPT_PROXY, $0) }
            if target.insecure {
                _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0)
                _ = ogf_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0)
            }
            if let ca = target.caFile { _ = ca.withCString { ogf_curl_setopt_str(h, CURLOPT_CAINFO, $0) } }
            _ = ogf_curl_setopt_ptr(h, CURLOPT_HTTPHEADER, headers)
            // The body is read and dropped: a load test measures, it keeps nothing.
            _ = ogf_curl_setopt_write(h) { _, size, n, _ in size * n }
            if target.body != nil {
                _ = ogf_curl_setopt_ptr(h, CURLOPT_POSTFIELDS, body)
                _ = ogf_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyCount))
                if target.method != "POST" { _ = target.method.withCString { ogf_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, $0) } }
            } else if target.method == "HEAD" {
                _ = ogf_curl_setopt_long(h, CURLOPT_NOBODY, 1)
            } else if target.method != "GET" {
                _ = target.method.withCString { ogf_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, $0) }
            }
            idle.append(h)
            all.append(h)
        }
        defer { all.forEach { curl_easy_cleanup($0) } }
        var errorOf: [UnsafeMutableRawPointer: UnsafeMutablePointer<CChar>] = [:]
        for (h, eb) in zip(all, errbufs) { errorOf[h] = eb }

        var primed = Set<UnsafeMutableRawPointer>()
        var started = 0, completed = 0, inFlight = 0
        let t0 = now()
        let deadline = t0 + limits.duration
        var stop = LoadRun.Stop.requests
        let urls = target.urls.isEmpty ? [""] : target.urls
        var ready = [epoll_event](repeating: epoll_event(), count: 64)
        // Collects finished transfers; called after every socket action.
        func reap() {
            var result = CURLE_OK
            while let h = ogf_curl_multi_done(multi, &result) {
                var status = 0
                var micros: curl_off_t = 0
                _ = ogf_curl_getinfo_off(h, CURLINFO_TOTAL_TIME_T, &micros)
                var error: String?
                if result == CURLE_OK {
                    _ = ogf_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
                } else {
                    let text = errorOf[h].map { String(cString: $0) } ?? ""
                    error = text.isEmpty ? String(cString: curl_easy_strerror(result)) : text
                }
                curl_multi_remove_handle(multi, h)
                idle.append(h)
                inFlight -= 1
                completed += 1
                record(LoadSample(latencyMicros: UInt64(max(0, micros)), status: status, error: error))
            }
        }
        while true {
            let t = now()
            if cancel.isCancelled { stop = .cancelled; break }
            if t >= deadline { stop = .duration; break }
            while !idle.isEmpty, started < limits.requests {
                if let rate = limits.rate, t < t0 + Double(started) / rate { break }
                let h = idle.removeLast()
                // Setting a URL parses it: only when the handle's last one was another.
                if urls.count > 1 || !primed.contains(h) {
                    _ = urls[started % urls.count].withCString { ogf_curl_setopt_str(h, CURLOPT_URL, $0) }
                    primed.insert(h)
                }
                errorOf[h]?[0] = 0
                curl_multi_add_handle(multi, h)
                started += 1
                inFlight += 1
            }
            if inFlight == 0, started >= limits.requests { stop = .requests; break }
            var running: Int32 = 0
            // libcurl's own timer (a new transfer asks for 0 ms: start it now).
            if let at = events.timerAt, at <= now() {
                events.timerAt = nil
                curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
                reap()
                continue
            }
            var waitMs = 50.0
            if let at = events.timerAt { waitMs = min(waitMs, (at - now()) * 1000) }
            if let rate = limits.rate, started < limits.requests, !idle.isEmpty {
                waitMs = min(waitMs, (t0 + Double(started) / rate - now()) * 1000)
            }
            waitMs = max(0, min(waitMs, (deadline - now()) * 1000))
            let n = epoll_wait(events.fd, &ready, Int32(ready.count), Int32(waitMs.rounded(.up)))
            for i in 0..<max(0, Int(n)) {
                let e = ready[i].events
                var flags: Int32 = 0
                if e & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_IN }
                if e & EPOLLOUT.rawValue != 0 { flags |= CURL_CSELECT_OUT }
                if e & EPOLLERR.rawValue != 0 { flags |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, ready[i].data.fd, flags, &running)
            }
            reap()
        }
        let elapsed = now() - t0
        for h in all { curl_multi_remove_handle(multi, h) }
        return LoadRun(started: started, completed: completed, abandoned: inFlight, elapsed: elapsed, stoppedBy: stop)
    }
}
