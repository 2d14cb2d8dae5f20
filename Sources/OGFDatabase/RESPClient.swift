import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A RESP2 reply.
public indirect enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String?)
    case array([RESPValue]?)

    public var text: String? {
        switch self {
        case .simple(let s): return s
        case .bulk(let s): return s
        case .integer(let i): return String(i)
        default: return nil
        }
    }
}

public struct RESPError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A minimal Redis client: RESP2 over a blocking TCP socket with timeouts. Enough for AUTH,
/// PING and INFO; the kinds need nothing more, and a socket is cheaper than a dependency.
///
/// The socket blocks, so async code uses `open` and `call`, which run on a Dispatch thread of
/// the client's own, never on one of Swift's cooperative threads. Cancelling the task that awaits
/// `call` shuts the socket down, which wakes the blocked read at once; the client is unusable
/// afterwards (a reply may be half read) and only serves to be closed.
public final class RESPClient: @unchecked Sendable {
    let fd: Int32
    var buffer: [UInt8] = []
    var offset = 0
    private let queue = DispatchQueue(label: "ogf.redis.connection")
    /// Set by a cancellation: the socket is shut down and no command may start.
    private let cancelled = Mutex(false)

    /// Connects on a Dispatch thread (up to `timeout`); a cancelled task stops waiting at once.
    public static func open(host: String, port: Int, timeout: Double) async throws -> RESPClient {
        try await offPool { try RESPClient(host: host, port: port, timeout: timeout) }
    }

    /// Sends one command on the client's own thread and reads its reply; `send` made
    /// cancellable. A cancelled task gets `CancellationError` promptly, however long the server
    /// would take to answer (BLPOP, a slow INFO).
    public func call(_ args: [String]) async throws -> RESPValue {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            let result: Result<RESPValue, Error> = await withCheckedContinuation { cont in
                queue.async { cont.resume(returning: Result { try self.send(args) }) }
            }
            if cancelled.withLock({ $0 }) { throw CancellationError() }
            return try result.get()
        } onCancel: {
            self.cancel()
        }
    }

    /// Wakes a blocked read or write and refuses later commands. Safe from any thread. The
    /// descriptor stays open until deinit, so its number cannot be reused under a running read.
    public func cancel() {
        cancelled.withLock { $0 = true }
        shutdown(fd, Int32(SHUT_RDWR))
    }

    public init(host: String, port: Int, timeout: Double) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else { throw RESPError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s >= 0 {
                if let err = Self.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen, timeout: timeout) {
                    lastError = err
                    close(s)
                } else {
                    var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
                    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    var one: Int32 = 1
                    setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    fd = s
                    return
                }
            }
            ai = a.pointee.ai_next
        }
        throw RESPError("cannot connect to \(host):\(port): \(lastError)")
    }

    deinit { close(fd) }

    /// Non-blocking connect with poll, so a black-holed address fails after `timeout`.
    static func connect(_ s: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: socklen_t, timeout: Double) -> String? {
        let flags = fcntl(s, F_GETFL, 0)
        _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(s, F_SETFL, flags) }
        if Glibc.connect(s, addr, len) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
        let n = poll(&p, 1, Int32(timeout * 1000))
        if n == 0 { return "timed out after \(timeout)s" }
        var err: Int32 = 0
        var l = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l)
        return err == 0 ? nil : String(cString: strerror(err))
    }

    /// Sends one command and reads its reply. A server error comes back as `.error`, not thrown.
    /// Blocks: async code uses `call`.
    public func send(_ args: [String]) throws -> RESPValue {
        if cancelled.withLock({ $0 }) { throw RESPError("not sent: the operation was cancelled") }
        var out = "*\(args.count)\r\n"
        for a in args { out += "$\(a.utf8.count)\r\n\(a)\r\n" }
        let bytes = Array(out.utf8)
        let total = bytes.count
        var sent = 0
        while sent < total {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, total - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RESPError("write failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
        return try readValue()
    }

    func fill() throws {
        if offset > 0 && offset == buffer.count { buffer.removeAll(keepingCapacity: true); offset = 0 }
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw RESPError("timed out waiting for the server's reply") }
            guard n > 0 else { throw RESPError(n == 0 ? "the server closed the connection" : "read failed: \(String(cString: strerror(errno)))") }
            buffer.append(contentsOf: chunk[0..<n])
            return
        }
    }

    func readLine() throws -> String {
        while true {
            if let i = buffer[offset...].firstIndex(of: 13), i + 1 < buffer.count, buffer[i + 1] == 10 {
                let line = String(decoding: buffer[offset..<i], as: UTF8.self)
                offset = i + 2
                return line
            }
            try fill()
        }
    }

    func readValue() throws -> RESPValue {
        let line = try readLine()
        guard let kind = line.first else { throw RESPError("empty reply line") }
        let rest = String(line.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            guard let n = Int(rest) else { throw RESPError("bad bulk length \(rest)") }
            if n < 0 { return .bulk(nil) }
            while buffer.count - offset < n + 2 { try fill() }
            let s = String(decoding: buffer[offset..<offset + n], as: UTF8.self)
            offset += n + 2
            return .bulk(s)
        case "*":
            guard let n = Int(rest) else { throw RESPError("bad array length \(rest)") }
            if n < 0 { return .array(nil) }
            return .array(try (0..<n).map { _ in try readValue() })
        default:
            throw RESPError("not a RESP reply: \(line.prefix(40))")
        }
    }

    /// `INFO section` parsed into key → value.
    public func info(_ section: String) async throws -> [String: String] {
        let r = try await call(["INFO", section])
        if case .error(let e) = r { throw RESPError(e) }
        var out: [String: String] = [:]
        for line in (r.text ?? "").split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return out
    }
}
