import Dispatch
import Foundation
import OGFState
import Synchronization

/// A held postgres state lock: a session-level advisory lock on its own connection (the server
/// drops it the moment the session ends, so a killed ogf never leaves it behind) and the lock row
/// naming the holder, whose heartbeat this lease refreshes on the connection's queue.
public final class PostgresStateLease: StateLease, @unchecked Sendable {
    public let info: LockInfo
    public let staleInfo: LockInfo?
    let connection: StateConnection
    private let schema: String
    private let environment: String
    private let key: Int64
    private let timer: DispatchSourceTimer
    private let released = Mutex(false)

    init(connection: StateConnection, info: LockInfo, stale: LockInfo?, schema: String, environment: String, key: Int64, heartbeat: Double) {
        self.connection = connection
        self.info = info
        self.staleInfo = stale
        self.schema = schema
        self.environment = environment
        self.key = key
        timer = DispatchSource.makeTimerSource(queue: connection.queue)
        let (s, env, id) = (schema, environment, info.id)
        timer.schedule(deadline: .now() + heartbeat, repeating: heartbeat)
        timer.setEventHandler { [connection] in
            _ = try? connection.query("UPDATE \(s).locks SET heartbeat = now() WHERE environment = $1 AND lock_id = $2", [env, id])
        }
        timer.resume()
    }

    /// Removes the row, then the advisory lock, in one round trip on the lock's connection (a
    /// pipeline of two transactions: the row's removal commits before the lock is free, so the
    /// next holder never sees it). Waited for: a process that exits right after must not leave
    /// its row.
    public func release() {
        guard !released.withLock({ r in defer { r = true }; return r }) else { return }
        timer.cancel()
        let (c, s, env, id, key) = (connection, schema, environment, info.id, key)
        c.queue.sync {
            _ = try? c.pipeline([("DELETE FROM \(s).locks WHERE environment = $1 AND lock_id = $2", [env, id]),
                                 ("SELECT pg_advisory_unlock($1)", [String(key)])], prepared: false)
        }
    }

    deinit { release() }
}
