import Foundation
import OGFCore
import OGFHTTP

/// A sink failure said without secrets: what failed and the server's answer.
public struct SinkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var retryable: Bool
    /// Seconds the server asked to wait (429 Retry-After).
    public var retryAfter: Double?

    public init(_ description: String, retryable: Bool, retryAfter: Double? = nil) {
        self.description = description
        self.retryable = retryable
        self.retryAfter = retryAfter
    }
}

/// Sends one HTTP request with bounded retries and backoff; never puts the URL (which may be
/// a secret, like a Slack webhook) or a header into an error.
public struct Sender: Sendable {
    public var client: any HTTPClient
    public var clock: any NotifyClock
    public var timeout: Double
    public var retries: Int
    /// First backoff; doubles per attempt.
    public var backoff: Double = 0.2
    /// The longest Retry-After honoured.
    public var maxRetryAfter: Double = 5

    public init(client: any HTTPClient, clock: any NotifyClock, timeout: Double, retries: Int) {
        self.client = client
        self.clock = clock
        self.timeout = timeout
        self.retries = retries
    }

    /// Sends and answers a 2xx response, or throws a `SinkError` after the last attempt.
    public func send(_ what: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        request.timeout = timeout
        var attempt = 0
        while true {
            let error: SinkError
            do {
                let r = try await client.send(request)
                if (200..<300).contains(r.status) { return r }
                let body = String(r.text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
                let retryable = r.status == 429 || r.status >= 500
                let after = r.status == 429 ? r.header("Retry-After").flatMap { Double($0) } : nil
                error = SinkError("\(what): HTTP \(r.status)\(body.isEmpty ? "" : " \(body)")", retryable: retryable, retryAfter: after)
            } catch let e as HTTPError {
                error = SinkError("\(what): " + (e.isTimeout ? "timed out after \(DurationText.format(timeout))" : Self.withoutURL(e.message)), retryable: true)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw SinkError("\(what): \(error)", retryable: false)
            }
            attempt += 1
            guard error.retryable, attempt <= retries else {
                throw SinkError(error.description + (attempt > 1 ? " (after \(attempt) attempts)" : ""), retryable: false)
            }
            let wait = error.retryAfter.map { min($0, maxRetryAfter) } ?? backoff * Double(1 << (attempt - 1))
            try await clock.sleep(seconds: wait)
        }
    }

    /// libcurl's messages start with `METHOD URL: `; keep only what follows.
    static func withoutURL(_ message: String) -> String {
        guard let r = message.range(of: ": ") else { return message }
        let head = message[..<r.lowerBound]
        return head.contains("://") ? String(message[r.upperBound...]) : message
    }
}
