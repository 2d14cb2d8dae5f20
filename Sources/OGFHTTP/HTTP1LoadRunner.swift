import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded load generator for plain `http://` targets: `concurrency` keep-alive connections
/// over non-blocking sockets and epoll on one thread, each request's bytes built once, responses
/// framed by `HTTP1Response`. It does per request what `ab` does (a write, a read, a parse),
/// where libcurl's per-transfer setup cost three times as much CPU (docs/benchmarks.md, "Load
/// tests"). `https://` targets, and anything this does not handle, go to `CurlLoadRunner`.
///
/// Like curl, a request on a reused connection that the server had closed meanwhile (EOF or a
/// reset before any byte of the response) is sent again on a new connection, once, not counted
/// as an error. Latency runs from the request's start (connect included, when it opens one) to
/// its last byte.
public enum HTTP1LoadRunner {
    /// A parsed target: where to connect, and the request's bytes.
    struct Endpoint {
        var address: [UInt8]  // a sockaddr's bytes
        var family: Int32
        var request: [UInt8]
        var display: String
    }

    /// Whether this runner handles every URL of `target` (plain http, a host it can resolve).
    static func endpoints(_ target: LoadTarget) -> [Endpoint]? {
        guard !target.urls.isEmpty else { return nil }
        var out: [Endpoint] = []
        for u in target.urls {
            guard let c = URLComponents(string: u), c.scheme?.lowercased() == "http", let host = c.host, !host.isEmpty, c.user == nil else { return nil }
            let port = c.port ?? 80
            guard let (address, family) = resolve(host, port) else { return nil }
            var path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
            if let q = c.percentEncodedQuery { path += "?" + q }
            let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (c.port.map { ":\($0)" } ?? "")
            var head = "\(target.method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: ogf-check-load\r\nAccept: */*\r\n"
            let names = Set(target.headers.map { $0.0.lowercased() })
            for (k, v) in target.headers {
                guard !k.contains("\r"), !k.contains("\n"), !v.contains("\r"), !v.contains("\n") else { return nil }
                head += "\(k): \(v)\r\n"
            }
            if let body = target.body {
                if !names.contains("content-type") { head += "Content-Type: application/x-www-form-urlencoded\r\n" }
                head += "Content-Length: \(body.count)\r\n"
            }
            head += "\r\n"
            out.append(Endpoint(address: address, family: family, request: Array(head.utf8) + Array(target.body ?? Data()), display: "\(host) port \(port)"))
        }
        return out
    }

    /// Whether this runner takes `target` (every URL plain http, to a host that resolves).
    public static func canRun(_ target: LoadTarget) -> Bool { endpoints(target) != nil }

    static func resolve(_ host: String, _ port: Int) -> ([UInt8], Int32)? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else { return nil }
        defer { freeaddrinfo(res) }
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        return (bytes, first.pointee.ai_family)
    }

    enum Phase { case idle, connecting, writing, reading }

    struct Slot {
        var fd: Int32 = -1
        var phase = Phase.idle
        var endpoint = 0
        var written = 0
        var parser = HTTP1Response()
        var startedAt = 0.0
        var deadline = 0.0
        /// Opened for this request: an EOF before the response is an error, not a stale reuse.
        var fresh = false
        var gotBytes = false
        var retried = false
        /// The epoll events asked for (0: not in the set).
        var interest: UInt32 = 0
    }

    /// Runs the test on a thread of its own, as `CurlLoadRunner.run` does; nil when the target is
    /// not plain http (use curl).
    public static func run(_ target: LoadTarget, limits: LoadLimits, record: @escaping @Sendable (LoadSample) -> Void) async -> LoadRun? {
        guard let eps = endpoints(target) else { return nil }
        let flag = CancellationFlag()
        let isHead = target.method == "HEAD"
        return await withTaskCancellationHandler {
            await withCheckedContinuation { cont in
                let thread = Thread { cont.resume(returning: drive(eps, isHead: isHead, timeout: target.timeout, limits: limits, cancel: flag, record: record)) }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
    }

    static func drive(_ eps: [Endpoint], isHead: Bool, timeout: Double, limits: LoadLimits, cancel: CancellationFlag,
                      record: (LoadSample) -> Void) -> LoadRun {
        let count = max(1, min(limits.concurrency, limits.requests))
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        defer { close(ep) }
        var slots = [Slot](repeating: Slot(), count: count)
        var idle = Array((0..<count).reversed())
        var started = 0, completed = 0, inFlight = 0
        let t0 = CurlLoadRunner.now()
        let deadline = t0 + limits.duration
        var stop = LoadRun.Stop.requests
        var ready = [epoll_event](repeating: epoll_event(), count: 64)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }

        /// Asks epoll for `events` on slot `i`'s socket (a system call only when that changes).
        func want(_ i: Int, _ events: UInt32) {
            guard slots[i].interest != events else { return }
            var e = epoll_event()
            e.events = events
            e.data.u64 = UInt64(i)
            epoll_ctl(ep, slots[i].interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, slots[i].fd, &e)
            slots[i].interest = events
        }
        func closeSlot(_ i: Int) {
            if slots[i].fd >= 0 {
                epoll_ctl(ep, EPOLL_CTL_DEL, slots[i].fd, nil)
                close(slots[i].fd)
            }
            slots[i].fd = -1
            slots[i].interest = 0
        }
        func finish(_ i: Int, status: Int, error: String?) {
            let micros = UInt64(max(0, (CurlLoadRunner.now() - slots[i].startedAt) * 1e6))
            slots[i].phase = .idle
            idle.append(i)
            inFlight -= 1
            completed += 1
            record(LoadSample(latencyMicros: micros, status: status, error: error))
        }
        func fail(_ i: Int, _ message: String) {
            closeSlot(i)
            finish(i, status: 0, error: message)
        }
        /// Writes what is left of the request; on to reading when all is out.
        func send(_ i: Int) {
            let req = eps[slots[i].endpoint].request
            while slots[i].written < req.count {
                let n = req.withUnsafeBytes { write(slots[i].fd, $0.baseAddress! + slots[i].written, req.count - slots[i].written) }
                if n > 0 { slots[i].written += n; continue }
                if n < 0, errno == EINTR { continue }
                if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    slots[i].phase = .writing
                    return want(i, EPOLLOUT.rawValue)
                }
                if !slots[i].fresh, !slots[i].retried { return resend(i) }
                return fail(i, "Send failure: \(String(cString: strerror(errno)))")
            }
            slots[i].phase = .reading
            want(i, EPOLLIN.rawValue)
        }
        /// Opens a connection for slot `i` (non-blocking; loopback usually connects at once).
        func connect(_ i: Int) {
            let e = eps[slots[i].endpoint]
            let fd = socket(e.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return fail(i, "socket: \(String(cString: strerror(errno)))") }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            slots[i].fd = fd
            slots[i].fresh = true
            let r = e.address.withUnsafeBytes { Glibc.connect(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(e.address.count)) }
            if r == 0 {
                slots[i].phase = .writing
                send(i)
            } else if errno == EINPROGRESS {
                slots[i].phase = .connecting
                want(i, EPOLLOUT.rawValue)
            } else {
                fail(i, "Failed to connect to \(e.display): \(String(cString: strerror(errno)))")
            }
        }
        /// The server closed a reused keep-alive connection: the request goes again on a new one.
        func resend(_ i: Int) {
            closeSlot(i)
            slots[i].retried = true
            slots[i].written = 0
            slots[i].gotBytes = false
            slots[i].parser = HTTP1Response(isHead: isHead)
            connect(i)
        }
        func readable(_ i: Int) {
            while true {
                let n = read(slots[i].fd, buffer.baseAddress!, buffer.count)
                if n > 0 {
                    slots[i].gotBytes = true
                    switch slots[i].parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) {
                    case .needMore:
                        continue
                    case .complete(let status, let keepAlive, let consumed):
                        if !keepAlive || consumed < n { closeSlot(i) }
                        return finish(i, status: status, error: nil)
                    case .invalid(let why):
                        return fail(i, "invalid response: \(why)")
                    }
                }
                if n < 0, errno == EINTR { continue }
                if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
                // EOF or an error.
                let err = n < 0 ? String(cString: strerror(errno)) : nil
                if !slots[i].gotBytes, !slots[i].fresh, !slots[i].retried { return resend(i) }
                if err == nil, case .complete(let status, _, _) = slots[i].parser.atEOF() {
                    closeSlot(i)
                    return finish(i, status: status, error: nil)
                }
                return fail(i, err.map { "Recv failure: \($0)" } ?? (slots[i].gotBytes ? "the server closed the connection before the response was complete" : "Empty reply from server"))
            }
        }

        while true {
            let t = CurlLoadRunner.now()
            if cancel.isCancelled { stop = .cancelled; break }
            if t >= deadline { stop = .duration; break }
            while let i = idle.last, started < limits.requests {
                if let rate = limits.rate, t < t0 + Double(started) / rate { break }
                idle.removeLast()
                started += 1
                inFlight += 1
                slots[i].endpoint = (started - 1) % eps.count
                slots[i].written = 0
                slots[i].gotBytes = false
                slots[i].retried = false
                slots[i].parser = HTTP1Response(isHead: isHead)
                slots[i].startedAt = t
                slots[i].deadline = t + timeout
                // A connection to another endpoint (several URLs) is not reused.
                if slots[i].fd >= 0, eps.count > 1 { closeSlot(i) }
                if slots[i].fd >= 0 {
                    slots[i].fresh = false
                    slots[i].phase = .writing
                    send(i)
                } else {
                    connect(i)
                }
            }
            if inFlight == 0, started >= limits.requests { stop = .requests; break }
            var waitMs = 50.0
            if let rate = limits.rate, started < limits.requests, !idle.isEmpty {
                waitMs = min(waitMs, (t0 + Double(started) / rate - CurlLoadRunner.now()) * 1000)
            }
            for s in slots where s.phase != .idle { waitMs = min(waitMs, (s.deadline - t) * 1000) }
            waitMs = max(0, min(waitMs, (deadline - t) * 1000))
            let n = epoll_wait(ep, &ready, Int32(ready.count), Int32(waitMs.rounded(.up)))
            for k in 0..<max(0, Int(n)) {
                let i = Int(ready[k].data.u64)
                let ev = ready[k].events
                switch slots[i].phase {
                case .idle:
                    // An idle keep-alive connection the server closed (or sent something on).
                    closeSlot(i)
                case .connecting:
                    var soErr: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(slots[i].fd, SOL_SOCKET, SO_ERROR, &soErr, &len)
                    if soErr != 0 {
                        fail(i, "Failed to connect to \(eps[slots[i].endpoint].display): \(String(cString: strerror(soErr)))")
                    } else {
                        slots[i].phase = .writing
                        send(i)
                    }
                case .writing:
                    if ev & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && ev & EPOLLOUT.rawValue == 0 {
                        if !slots[i].fresh, !slots[i].retried { resend(i) } else { fail(i, "Send failure: the connection was reset") }
                    } else {
                        send(i)
                    }
                case .reading:
                    readable(i)
                }
            }
            // Per-request timeouts.
            let after = CurlLoadRunner.now()
            for i in slots.indices where slots[i].phase != .idle && after >= slots[i].deadline {
                fail(i, "Operation timed out after \(Int(timeout * 1000)) milliseconds")
            }
        }
        let elapsed = CurlLoadRunner.now() - t0
        for i in slots.indices { closeSlot(i) }
        return LoadRun(started: started, completed: completed, abandoned: inFlight, elapsed: elapsed, stoppedBy: stop)
    }
}

/// A load test on the fastest runner for its target: plain http on `HTTP1LoadRunner`, the rest
/// (https, proxies' schemes) on libcurl.
public enum LoadRunner {
    public static func run(_ target: LoadTarget, limits: LoadLimits, record: @escaping @Sendable (LoadSample) -> Void) async -> LoadRun {
        if let run = await HTTP1LoadRunner.run(target, limits: limits, record: record) { return run }
        return await CurlLoadRunner.run(target, limits: limits, record: record)
    }
}
