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
                // Up to the blank line; headers are small, so byte by byte is fine.
                let b = bytes[i]
                head.append(b)
                i += 1
                if head.count > 65_536 { return .invalid("response headers over 64 KiB") }
                if b == 0x0A, head.count >= 4, head[head.count - 2] == 0x0D, head[head.count - 3] == 0x0A, head[head.count - 4] == 0x0D {
                    if let problem = parseHead() { return .invalid(problem) }
                    head.removeAll(keepingCapacity: true)
                    if status >= 100 && status < 200 {  // interim (100 Continue, 103): the real one follows
                        phase = .head
                        continue
                    }
                    if case .fixed(0) = phase { return .complete(status: status, keepAlive: keepAlive, consumed: i) }
                }
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

    /// Status line and the headers that frame the body. Returns a problem, or nil.
    mutating func parseHead() -> String? {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next() else { return "an empty response" }
        let parts = first.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (100...999).contains(code) else {
            return "not an HTTP/1.x status line: \(first.prefix(60))"
        }
        status = code
        keepAlive = parts[0] != "HTTP/1.0"
        var length: Int?
        var chunked = false
        while let l = lines.next() {
            guard let colon = l.firstIndex(of: ":") else { continue }
            let name = l[..<colon].lowercased()
            let value = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-length":
                guard let v = Int(value), v >= 0 else { return "a bad Content-Length: \(value.prefix(30))" }
                if let length, length != v { return "two different Content-Length headers" }
                length = v
            case "transfer-encoding":
                chunked = value.lowercased().split(separator: ",").last?.trimmingCharacters(in: .whitespaces) == "chunked"
            case "connection":
                let tokens = value.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if tokens.contains("close") { keepAlive = false }
                if tokens.contains("keep-alive") { keepAlive = true }
            default:
                break
            }
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
