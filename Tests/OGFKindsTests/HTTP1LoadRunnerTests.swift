import Foundation
import OGFHTTP
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The response framing of the plain-http load runner, case by case (RFC 9112 §6).
@Suite struct HTTP1ResponseTests {
    /// Feeds `text` in pieces of `step` bytes; the result of the piece that completed it.
    func parse(_ text: String, step: Int = 1, head: Bool = false, eof: Bool = false) -> HTTP1Response.Progress {
        var r = HTTP1Response(isHead: head)
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let piece = Array(bytes[i..<min(bytes.count, i + step)])
            let p = piece.withUnsafeBytes { r.feed($0) }
            if p != .needMore {
                if case .complete(let s, let k, let consumed) = p { return .complete(status: s, keepAlive: k, consumed: i + consumed) }
                return p
            }
            i += step
        }
        return eof ? r.atEOF() : .needMore
    }

    @Test func contentLengthInAnyPieces() {
        let t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        for step in [1, 3, 7, 1000] {
            #expect(parse(t, step: step) == .complete(status: 200, keepAlive: true, consumed: t.utf8.count), "step \(step)")
        }
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel") == .needMore)
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", eof: true) == .invalid("the connection closed before the response was complete"))
    }

    @Test func chunkedWithExtensionsAndTrailers() {
        let t = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n"
        for step in [1, 2, 5, 1000] {
            #expect(parse(t, step: step) == .complete(status: 503, keepAlive: true, consumed: t.utf8.count), "step \(step)")
        }
        #expect(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == .invalid("a bad chunk size line"))
        #expect(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n") == .invalid("chunk data longer than its size"))
    }

    @Test func connectionAndVersionDecideReuse() {
        #expect(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") == .complete(status: 200, keepAlive: false, consumed: 57))
        #expect(parse("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") == .complete(status: 200, keepAlive: false, consumed: 40))
        #expect(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n") == .complete(status: 200, keepAlive: true, consumed: 62))
        // No length, not chunked: the body ends with the connection.
        #expect(parse("HTTP/1.0 200 OK\r\n\r\nsome body", eof: false) == .needMore)
        #expect(parse("HTTP/1.0 200 OK\r\n\r\nsome body", eof: true) == .complete(status: 200, keepAlive: false, consumed: 0))
    }

    @Test func responsesWithoutABody() {
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", head: true) == .complete(status: 200, keepAlive: true, consumed: 41))
        #expect(parse("HTTP/1.1 204 No Content\r\n\r\n") == .complete(status: 204, keepAlive: true, consumed: 27))
        #expect(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") == .complete(status: 304, keepAlive: true, consumed: 49))
        let interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        #expect(parse(interim) == .complete(status: 201, keepAlive: true, consumed: interim.utf8.count))
    }

    @Test func brokenResponsesAreNamed() {
        #expect(parse("SSH-2.0-OpenSSH\r\n\r\n") == .invalid("not an HTTP/1.x status line: SSH-2.0-OpenSSH"))
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") == .invalid("a bad Content-Length: -1"))
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == .invalid("two different Content-Length headers"))
    }
}

/// A loopback server whose every answer is scripted: `reply(n)` gives the bytes for the n-th
/// request (from 1) and whether to close the connection after them (nil: never answer).
final class ScriptedServer: @unchecked Sendable {
    let fd: Int32
    let port: Int
    let requests = Mutex<[String]>([])
    private let reply: @Sendable (Int) -> (bytes: String, close: Bool)?
    private let count = Mutex(0)

    init(_ reply: @escaping @Sendable (Int) -> (bytes: String, close: Bool)?) throws {
        self.reply = reply
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(sock, 128)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = Int(UInt16(bigEndian: addr.sin_port))
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    var url: String { "http://127.0.0.1:\(port)/path?q=1" }

    private func acceptLoop() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            Thread { [self] in serve(c) }.start()
        }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var pending = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request head (and a body by Content-Length).
            var headEnd: Int?
            while headEnd == nil {
                if let r = pending.indices.dropLast(3).first(where: { pending[$0] == 13 && pending[$0 + 1] == 10 && pending[$0 + 2] == 13 && pending[$0 + 3] == 10 }) {
                    headEnd = r + 4
                    break
                }
                let n = read(c, &buf, buf.count)
                if n <= 0 { return }
                pending += buf[0..<n]
            }
            let head = String(decoding: pending[0..<headEnd!], as: UTF8.self)
            var total = headEnd!
            if let line = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
               let n = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) {
                total += n
                while pending.count < total {
                    let k = read(c, &buf, buf.count)
                    if k <= 0 { return }
                    pending += buf[0..<k]
                }
            }
            requests.withLock { $0.append(String(decoding: pending[0..<total], as: UTF8.self)) }
            pending.removeFirst(total)
            let n = count.withLock { v -> Int in v += 1; return v }
            guard let (bytes, closeAfter) = reply(n) else {
                sleep(5)
                return
            }
            let out = Array(bytes.utf8)
            var off = 0
            while off < out.count {
                let w = out.withUnsafeBytes { write(c, $0.baseAddress! + off, out.count - off) }
                if w <= 0 { return }
                off += w
            }
            if closeAfter { return }
        }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

/// The plain-http runner end to end against scripted loopback servers.
@Suite struct HTTP1LoadRunnerTests {
    final class Samples: @unchecked Sendable {
        let all = Mutex<[LoadSample]>([])
    }

    func run(_ url: String, requests: Int = 40, concurrency: Int = 4, timeout: Double = 5, method: String = "GET", body: Data? = nil,
             headers: [(String, String)] = []) async throws -> (LoadRun, [LoadSample]) {
        let s = Samples()
        let target = LoadTarget(method: method, urls: [url], headers: headers, body: body, timeout: timeout)
        let run = try #require(await HTTP1LoadRunner.run(target, limits: LoadLimits(requests: requests, duration: 30, concurrency: concurrency)) { x in
            s.all.withLock { $0.append(x) }
        })
        return (run, s.all.withLock { $0 })
    }

    @Test func keepAliveChunkedAndLengthFramedAnswersAreAllCounted() async throws {
        let server = try ScriptedServer { n in
            n % 2 == 0 ? ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", false)
                : ("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops", false)
        }
        let (run, samples) = try await run(server.url)
        #expect(run.completed == 40 && run.started == 40 && run.abandoned == 0)
        #expect(samples.filter { $0.status == 200 }.count == 20)
        #expect(samples.filter { $0.status == 500 }.count == 20)
        #expect(samples.allSatisfy { $0.error == nil })
        let reqs = server.requests.withLock { $0 }
        #expect(reqs.first?.hasPrefix("GET /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n") == true, "\(reqs.first ?? "")")
    }

    @Test func aServerClosingIdleConnectionsCostsNoErrors() async throws {
        // Closes after every third answer without saying so (as a keep-alive timeout would), and
        // after every seventh says Connection: close.
        let server = try ScriptedServer { n in
            n % 7 == 0 ? ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true)
                : ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", n % 3 == 0)
        }
        let (run, samples) = try await run(server.url, requests: 60)
        #expect(run.completed == 60)
        #expect(samples.allSatisfy { $0.status == 200 && $0.error == nil }, "\(samples.compactMap(\.error).prefix(3))")
    }

    @Test func bodiesAndHeadersAreSent() async throws {
        let server = try ScriptedServer { _ in ("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false) }
        let (run, samples) = try await run(server.url, requests: 5, concurrency: 2, method: "POST", body: Data("{\"watts\": 420}".utf8),
                                           headers: [("Content-Type", "application/json"), ("X-Key", "v")])
        #expect(run.completed == 5 && samples.allSatisfy { $0.status == 201 })
        let r = try #require(server.requests.withLock { $0.first })
        #expect(r.hasPrefix("POST /path?q=1 HTTP/1.1\r\n"))
        #expect(r.contains("\r\nContent-Type: application/json\r\nX-Key: v\r\nContent-Length: 14\r\n\r\n{\"watts\": 420}"), "\(r)")
    }

    @Test func refusedTimedOutAndBrokenAnswersAreErrorsWithReasons() async throws {
        // A port nobody listens on.
        let port = closedPort()
        let (r1, s1) = try await run("http://127.0.0.1:\(port)/", requests: 3, concurrency: 1)
        #expect(r1.completed == 3)
        #expect(s1.allSatisfy { $0.status == 0 && ($0.error ?? "").contains("Failed to connect to 127.0.0.1 port \(port)") }, "\(s1.map(\.error))")
        // A server that never answers.
        let silent = try ScriptedServer { _ in nil }
        let (r2, s2) = try await run(silent.url, requests: 2, concurrency: 2, timeout: 0.3)
        #expect(r2.completed == 2)
        #expect(s2.allSatisfy { $0.status == 0 && $0.error == "Operation timed out after 300 milliseconds" }, "\(s2.map(\.error))")
        // Not HTTP.
        let ssh = try ScriptedServer { _ in ("SSH-2.0-OpenSSH_9.2\r\n\r\n", true) }
        let (_, s3) = try await run(ssh.url, requests: 2, concurrency: 1)
        #expect(s3.allSatisfy { $0.status == 0 && ($0.error ?? "").contains("not an HTTP/1.x status line") }, "\(s3.map(\.error))")
    }

    @Test func httpsAndUnresolvableTargetsGoToCurl() {
        #expect(HTTP1LoadRunner.canRun(LoadTarget(urls: ["http://127.0.0.1:1/"])))
        #expect(!HTTP1LoadRunner.canRun(LoadTarget(urls: ["https://127.0.0.1:1/"])))
        #expect(!HTTP1LoadRunner.canRun(LoadTarget(urls: ["http://127.0.0.1:1/", "https://127.0.0.1:2/"])))
        #expect(!HTTP1LoadRunner.canRun(LoadTarget(urls: ["http://user:pw@127.0.0.1:1/"])))
        #expect(!HTTP1LoadRunner.canRun(LoadTarget(urls: ["http://no-such-host.invalid/"])))
    }
}
