/// An incremental HTTP/1.1 response reader for the load runner: fed bytes as they arrive, it says
/// when one response is complete (status line, headers, then a body framed by Content-Length,
/// chunked transfer coding, or the connection's end) and whether the connection may carry the
/// next request. Pure: no I/O, so every framing case is tested on its own (RFC 9112 §6).
public struct HTTP1Response: Sendable {
    public enum Progress: Equatable, Sendable {
        case needMore
        /// Complete; `consumed` bytes of the last `feed` belonged to it (the rest is not ours:
        /// we never pipeline, so a server that sends more is broken, and the connection closes).
        case complete(status: Int, keepAlive: Bool, consumed: Int)
        case invalid(String)
    }

    enum Phase: Equatable, Sendable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    let isHead: Bool
    var phase = Phase.head
    var head: [UInt8] = []
    var line: [UInt8] = []
    public private(set) var status = 0
    var keepAlive = true

    /// `isHead`: the request was HEAD (a response to it has no body, whatever its headers say).
    public init(isHead: Bool = false) {
        self.isHead = isHead
    }

    /// The response so far ended with the connection (EOF): complete only when its body is
    /// framed by the connection's end.
    public func atEOF() -> Progress {
        phase == .untilClose ? .complete(status: status, keepAlive: false, consumed: 0) : .invalid("the connection closed before the response was complete")
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Progress {
        var i = 0
        let n = bytes.count
        while i < n {
            switch phase {
            case .head:
                // Up to the blank line: find it in this piece, then parse the head's bytes.
                var end: Int?
                var j = i
                while j < n {
                    if bytes[j] == 0x0A {
                        // "\n\r\n" or "\n\n" ends the head (the first "\r\n" of the pair may be in
                        // an earlier piece).
                        let prev1: UInt8? = j - 1 >= i ? bytes[j - 1] : head.last
                        let prev2: UInt8? = j - 2 >= i ? bytes[j - 2] : (j - 1 >= i ? head.last : (head.count >= 2 ? head[head.count - 2] : nil))
                        if prev1 == 0x0A || (prev1 == 0x0D && prev2 == 0x0A) {
                            end = j + 1
                            break
                        }
                    }
                    j += 1
                }
                let upto = end ?? n
                head.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<upto]))
                i = upto
                if head.count > 65_536 { return .invalid("response headers over 64 KiB") }
                guard end != nil else { continue }
                if let problem = parseHead() { return .invalid(problem) }
                head.removeAll(keepingCapacity: true)
                if status >= 100 && status < 200 {  // interim (100 Continue, 103): the real one follows
                    phase = .head
                    continue
                }
                if case .fixed(0) = phase { return .complete(status: status, keepAlive: keepAlive, consumed: i) }
            case .fixed(let remaining):
                let take = min(remaining, n - i)
                i += take
                if remaining - take == 0 { phase = .fixed(remaining: 0); return .complete(status: status, keepAlive: keepAlive, consumed: i) }
                phase = .fixed(remaining: remaining - take)
            case .chunkSize, .chunkDataEnd, .trailers:
                let b = bytes[i]
                i += 1
                if b != 0x0A {
                    if b != 0x0D { line.append(b) }
                    if line.count > 4096 { return .invalid("a chunk line over 4 KiB") }
                    continue
                }
                defer { line.removeAll(keepingCapacity: true) }
                switch phase {
                case .chunkSize:
                    let digits = line.prefix { $0 != 0x3B && $0 != 0x20 && $0 != 0x09 }  // ";ext", whitespace
                    guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                        return .invalid("a bad chunk size line")
                    }
                    phase = size == 0 ? .trailers : .chunkData(remaining: size)
                case .chunkDataEnd:
                    guard line.isEmpty else { return .invalid("chunk data longer than its size") }
                    phase = .chunkSize
                default:  // trailers: until an empty line
                    if line.isEmpty { return .complete(status: status, keepAlive: keepAlive, consumed: i) }
                }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                i += take
                phase = remaining - take == 0 ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .untilClose:
                i = n
            }
        }
        return .needMore
    }

    /// Status line and the headers that frame the body, read from the head's bytes without
    /// building strings (this runs once per request). Returns a problem, or nil.
    mutating func parseHead() -> String? {
        head.withUnsafeBufferPointer { h -> String? in
            let n = h.count
            // "HTTP/1.x SSS"
            guard n >= 12, h[0] == 0x48, h[1] == 0x54, h[2] == 0x54, h[3] == 0x50, h[4] == 0x2F, h[5] == 0x31, h[6] == 0x2E, h[8] == 0x20,
                  let code = Self.digits(h, 9, 12), (100...999).contains(code), n == 12 || h[12] == 0x20 || h[12] == 0x0D || h[12] == 0x0A else {
                let first = String(decoding: h.prefix { $0 != 0x0D && $0 != 0x0A }.prefix(60), as: UTF8.self)
                return "not an HTTP/1.x status line: \(first)"
            }
            status = code
            keepAlive = h[7] != 0x30  // HTTP/1.0 closes unless it says keep-alive
            var length: Int?
            var chunked = false
            var k = 0
            while k < n, h[k] != 0x0A { k += 1 }  // past the status line
            k += 1
            while k < n {
                var e = k
                while e < n, h[e] != 0x0A { e += 1 }
                var lineEnd = e
                if lineEnd > k, h[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if let colon = (k..<lineEnd).first(where: { h[$0] == 0x3A }) {
                    var v = colon + 1
                    while v < lineEnd, h[v] == 0x20 || h[v] == 0x09 { v += 1 }
                    var ve = lineEnd
                    while ve > v, h[ve - 1] == 0x20 || h[ve - 1] == 0x09 { ve -= 1 }
                    if Self.nameIs(h, k, colon, "content-length") {
                        guard let len = Self.digits(h, v, ve) else {
                            return "a bad Content-Length: \(String(decoding: h[v..<ve].prefix(30), as: UTF8.self))"
                        }
                        if let length, length != len { return "two different Content-Length headers" }
                        length = len
                    } else if Self.nameIs(h, k, colon, "transfer-encoding") {
                        let value = String(decoding: h[v..<ve], as: UTF8.self).lowercased()
                        chunked = value.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) == "chunked"
                    } else if Self.nameIs(h, k, colon, "connection") {
                        let tokens = String(decoding: h[v..<ve], as: UTF8.self).lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        if tokens.contains("close") { keepAlive = false }
                        if tokens.contains("keep-alive") { keepAlive = true }
                    }
                }
                k = e + 1
            }
            if code < 200 { return nil }
            if isHead || code == 204 || code == 304 {
                phase = .fixed(remaining: 0)
            } else if chunked {
                phase = .chunkSize
            } else if let length {
                phase = .fixed(remaining: length)
            } else {
                phase = .untilClose
                keepAlive = false
            }
            return nil
        }
    }

    /// A non-negative decimal in `h[from..<to]` (at most 15 digits), or nil.
    static func digits(_ h: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard to > from, to - from <= 15 else { return nil }
        var v = 0
        for k in from..<to {
            let d = Int(h[k]) - 0x30
            guard (0...9).contains(d) else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// Whether the header name in `h[from..<to]` is `lower` (ASCII, any case).
    static func nameIs(_ h: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ lower: StaticString) -> Bool {
        guard to - from == lower.utf8CodeUnitCount else { return false }
        let p = lower.utf8Start
        for k in 0..<(to - from) where h[from + k] | 0x20 != p[k] { return false }
        return true
    }
}
