import Foundation
import OGFCore
import OGFSupport
#if canImport(Glibc)
import Glibc
#endif

/// `check_tcp`: a TCP connection to host:port succeeds (within a latency bound).
public struct CheckTCPKind: ResourceKind {
    public init() {}

    public let name = "check_tcp"
    public let role = ResourceRole.check
    public let summary = "Reachability: a TCP connection to host:port opens, optionally within max_latency."
    public let schema = Schema([
        FieldSpec("host", .string, required: true, doc: "Host name or IP address."),
        FieldSpec("port", .int, required: true, doc: "TCP port."),
    ] + Schema.retryFields)
    public let outputs = ["latency_ms": "Connect time of the successful attempt, in milliseconds."]

    struct Config: Decodable {
        var host: String
        var port: Int
        var retry: RetrySettings

        enum CodingKeys: String, CodingKey { case host, port }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decode(String.self, forKey: .host)
            port = try c.decode(Int.self, forKey: .port)
            retry = try RetrySettings(from: decoder)
            guard (1...65535).contains(port) else { throw Diagnostic.field("port", "\(port) is out of range 1-65535") }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let (host, port, timeout, maxLatency) = (c.host, c.port, c.retry.timeout.seconds, c.retry.maxLatency?.seconds)
        var latency = 0.0
        let failure = try await RetryPolicy(c.retry).run(progress: request.progress) {
            do {
                latency = try await Self.connect(host: host, port: port, timeout: timeout)
                if let maxLatency, latency > maxLatency {
                    return "connected in \(DurationText.format(latency)), more than max_latency \(DurationText.format(maxLatency))"
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let failure { throw ResourceFailure("\(host):\(port): \(failure)") }
        let ms = Int((latency * 1000).rounded())
        return ApplyResponse(outputs: ["latency_ms": .int(ms)], summary: "\(host):\(port) open in \(DurationText.format(latency))")
    }

    /// Connects with a deadline on a dispatch thread (getaddrinfo and poll block).
    static func connect(host: String, port: Int, timeout: Double) async throws -> Double {
        try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                cont.resume(with: Result { try connectBlocking(host: host, port: port, timeout: timeout) })
            }
        }
    }

    static func connectBlocking(host: String, port: Int, timeout: Double) throws -> Double {
        let start = DispatchTime.now()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else { throw ProcessError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            }
            guard errno == EINPROGRESS else { lastError = String(cString: strerror(errno)); continue }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let left = max(0, timeout - Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
            let n = poll(&p, 1, Int32(left * 1000))
            if n == 0 { lastError = "timed out after \(DurationText.format(timeout))"; continue }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err == 0 { return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
            lastError = String(cString: strerror(err))
        }
        throw ProcessError(lastError.lowercased())
    }
}
