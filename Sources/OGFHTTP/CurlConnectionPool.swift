import CCurl
import Foundation

/// Idle libcurl easy handles kept for reuse, so requests to the same host reuse open connections
/// (HTTP keep-alive): a handle keeps its connection cache across `curl_easy_reset`, and curl
/// reuses a cached connection only when host, port and TLS settings (CA, client certificate,
/// verification) match. Against an API server over TLS this saves a TCP and a TLS handshake on
/// every request but the first of each parallel lane.
///
/// Handles are taken last-in first-out (the most recently used one holds the warmest
/// connections); at most `maxIdle` are kept, extra ones are closed. Each handle is used by one
/// transfer at a time, so parallel requests simply take several handles. Thread-safe.
///
/// One pool belongs to one `CurlHTTPClient` value and every copy of it: create the client once
/// per run and hand it to the kinds that share hosts. Dropping the last reference closes the
/// idle handles and their connections.
public final class CurlConnectionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []
    /// Handles created so far (for tests and diagnostics).
    private var created = 0
    public let maxIdle: Int

    public init(maxIdle: Int = 32) {
        _ = CurlHTTPClient.initialised
        self.maxIdle = maxIdle
    }

    deinit {
        for h in idle { curl_easy_cleanup(h) }
    }

    /// An idle handle (its options reset), or a new one.
    func take() -> UnsafeMutableRawPointer? {
        lock.lock()
        if let h = idle.popLast() {
            lock.unlock()
            return h
        }
        created += 1
        lock.unlock()
        return curl_easy_init()
    }

    /// Returns a handle after its transfer: options are reset (no pointers into freed memory stay
    /// behind), the connection cache is kept.
    func give(_ h: UnsafeMutableRawPointer) {
        curl_easy_reset(h)
        lock.lock()
        if idle.count < maxIdle {
            idle.append(h)
            lock.unlock()
        } else {
            lock.unlock()
            curl_easy_cleanup(h)
        }
    }

    /// How many easy handles this pool has created.
    public var handlesCreated: Int {
        lock.lock()
        defer { lock.unlock() }
        return created
    }
}

/// Set from a task's cancellation handler, read by libcurl's progress callback on the transfer's
/// thread: a transfer of a cancelled task is aborted within about a second.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
