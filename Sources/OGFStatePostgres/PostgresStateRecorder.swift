import Foundation
import OGFCore
import OGFState
import Synchronization

/// The writes of one apply: each finished resource (or history entry) is committed before the
/// call returns. The serial moves once, when the recorder starts (as the file backend's moves
/// once per apply): a plan saved before this apply is refused afterwards.
///
/// Group commit: writes that arrive while others are in flight wait, then go to the server
/// together in one pipeline and one transaction (one commit, one WAL flush for the batch), as
/// PostgreSQL's own `commit_delay` and the file backend's batched fsync do. No write is reported
/// done before its commit, so a kill or a lost connection loses nothing that finished; a batch
/// that fails is not committed at all, and every write in it fails with that error.
/// `transactionPerWrite` sends each write as its own transaction instead (the first version's
/// behaviour, kept for the benchmark).
///
/// Durability: the apply's session runs with `synchronous_commit = off`, so a commit is
/// acknowledged (and visible to every other session, and kept if ogf is killed or the connection
/// drops) before its WAL reaches the disk; `finish()` then commits once synchronously, which
/// flushes every earlier commit, before the apply reports its end. That is the file backend's
/// guarantee (journal lines written at once, fsynced in the background, fsynced at the end): only
/// a crash of the database server in the last moments before the end could lose records, and the
/// next plan would then show that work again. `synchronousCommits` makes every batch wait for the
/// disk instead (for the benchmark: 2–6× the cost on a durable server).
///
/// When the connection is lost (server restarted), the lock went with it: every later write
/// fails with that message, and `onLost` lets the apply stop starting new work.
public final class PostgresStateRecorder: StateRecorder, @unchecked Sendable {
    struct Pending {
        var items: [(sql: String, params: [String?], done: CheckedContinuation<Int, Error>)] = []
        var draining = false
        var lost: String?
    }

    let connection: StateConnection
    private let schema: String
    private let environment: String
    private let lineage: String
    private let inner: Mutex<StateFile>
    private let pending = Mutex(Pending())
    public let onLost = Mutex<(@Sendable () -> Void)?>(nil)
    let transactionPerWrite: Bool
    let synchronousCommits: Bool

    init(connection: StateConnection, schema: String, environment: String, state: StateFile, transactionPerWrite: Bool = false,
         synchronousCommits: Bool = false) {
        self.connection = connection
        self.transactionPerWrite = transactionPerWrite
        self.synchronousCommits = synchronousCommits
        self.schema = schema
        self.environment = environment
        self.lineage = state.lineage
        inner = Mutex(state)
    }

    /// Prepares the three writes on the lock's session and moves the serial (one transaction).
    /// A state replaced meanwhile (another lineage) is refused.
    static func start(connection: StateConnection, schema s: String, environment: String, state: StateFile,
                      transactionPerWrite: Bool = false, synchronousCommits: Bool = false) async throws -> PostgresStateRecorder {
        let lineage = state.lineage
        let serial: Int = try await connection.run { c in
            try c.query("DEALLOCATE ALL")
            try c.query(synchronousCommits ? "SET synchronous_commit TO DEFAULT" : "SET synchronous_commit = off")
            try c.prepare("ogf_state_put", """
                INSERT INTO \(s).resources (environment, address, body)
                SELECT $1, $3, $4 WHERE EXISTS (SELECT 1 FROM \(s).environments WHERE name = $1 AND lineage = $2)
                ON CONFLICT (environment, address) DO UPDATE SET body = EXCLUDED.body, updated_at = now()
                RETURNING 1
                """)
            try c.prepare("ogf_state_remove", """
                WITH e AS (SELECT 1 FROM \(s).environments WHERE name = $1 AND lineage = $2),
                     d AS (DELETE FROM \(s).resources WHERE environment = $1 AND address = $3 AND EXISTS (SELECT 1 FROM e))
                SELECT 1 FROM e
                """)
            try c.prepare("ogf_state_history", """
                INSERT INTO \(s).history (environment, id, body)
                SELECT $1, $3, $4 WHERE EXISTS (SELECT 1 FROM \(s).environments WHERE name = $1 AND lineage = $2)
                ON CONFLICT (environment, id) DO UPDATE SET body = EXCLUDED.body
                RETURNING 1
                """)
            guard let v = try c.query("UPDATE \(s).environments SET serial = serial + 1, updated_at = now() WHERE name = $1 AND lineage = $2 RETURNING serial",
                                      [environment, lineage]).first?.first.flatMap({ $0 }).flatMap({ Int($0) }) else {
                throw PostgresStateError.changed("the state of \(environment) was replaced (another lineage) since it was read; plan again")
            }
            return v
        }
        var started = state
        started.serial = serial
        return PostgresStateRecorder(connection: connection, schema: s, environment: environment, state: started, transactionPerWrite: transactionPerWrite,
                                     synchronousCommits: synchronousCommits)
    }

    public var state: StateFile { inner.withLock { $0 } }

    /// The connection to the state database was lost during this apply.
    public var isLost: Bool { pending.withLock { $0.lost != nil } }

    public func put(_ address: ResourceAddress, _ resource: ResourceState) async throws {
        inner.withLock { $0.resources[address] = resource }
        let body = String(decoding: try StateFile.encodeRow(resource), as: UTF8.self)
        try await write("ogf_state_put", [environment, lineage, address.description, body], what: "\(address)")
    }

    public func remove(_ address: ResourceAddress) async throws {
        inner.withLock { $0.resources[address] = nil }
        try await write("ogf_state_remove", [environment, lineage, address.description], what: "the removal of \(address)")
    }

    public func record(_ entry: HistoryEntry) async throws {
        inner.withLock { s in
            if let i = s.history.firstIndex(where: { $0.id == entry.id }) { s.history[i] = entry } else { s.history.append(entry) }
        }
        let body = String(decoding: try StateFile.encodeRow(entry), as: UTF8.self)
        try await write("ogf_state_history", [environment, lineage, String(entry.id), body], what: "history entry \(entry.id)")
    }

    /// Makes everything recorded durable: one synchronous commit (it flushes the WAL of every
    /// commit before it), then the session's default again. Nothing to do when the connection was
    /// lost (the apply has already failed with that).
    public func finish() async throws -> StateFile {
        guard !synchronousCommits, !isLost else { return state }
        let (s, env, lineage) = (schema, environment, lineage)
        do {
            try await connection.runUncancelled { c in
                do {
                    try c.query("BEGIN")
                    try c.query("SET LOCAL synchronous_commit = on")
                    try c.query("UPDATE \(s).environments SET updated_at = now() WHERE name = $1 AND lineage = $2", [env, lineage])
                    try c.query("COMMIT")
                } catch {
                    _ = try? c.query("ROLLBACK")
                    throw error
                }
                try c.query("SET synchronous_commit TO DEFAULT")
            }
        } catch {
            throw PostgresStateError.lost("could not make the state of \(environment) durable at the end of the apply (\(error)); what was recorded is in the database, but a crash of the server now could lose its last moments: run `ogf plan \(environment)` to check")
        }
        return state
    }

    /// Queues one write and waits for its commit; not cancellable (finished work is recorded
    /// even while the apply is being stopped).
    private func write(_ sql: String, _ params: [String?], what: String) async throws {
        _ = try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int, Error>) in
            let (start, lost) = pending.withLock { p -> (Bool, String?) in
                if let lost = p.lost { return (false, lost) }
                p.items.append((sql, params, cont))
                if p.draining { return (false, nil) }
                p.draining = true
                return (true, nil)
            }
            if let lost {
                cont.resume(throwing: PostgresStateError.lost(lost))
                return
            }
            if start { connection.queue.async { [self] in drain() } }
        }
    }

    /// On the connection's queue: sends everything waiting as one batch until nothing waits.
    private func drain() {
        while true {
            let batch = pending.withLock { p -> [(sql: String, params: [String?], done: CheckedContinuation<Int, Error>)] in
                let items = p.items
                p.items = []
                if items.isEmpty { p.draining = false }
                return items
            }
            if batch.isEmpty { return }
            do {
                let results = try connection.pipeline(batch.map { ($0.sql, $0.params) }, oneTransaction: !transactionPerWrite)
                for (item, result) in zip(batch, results) {
                    switch result {
                    case .success(let rows):
                        if let v = rows.first?.first.flatMap({ $0 }).flatMap({ Int($0) }) {
                            item.done.resume(returning: v)
                        } else {
                            item.done.resume(throwing: PostgresStateError.changed("the state of \(environment) was replaced (another lineage) while this apply ran; nothing more is recorded"))
                        }
                    case .failure(let e):
                        if e.isConnectionLoss { markLost(e) }
                        item.done.resume(throwing: e.isConnectionLoss ? PostgresStateError.lost(lostMessage(e)) : e)
                    }
                }
            } catch {
                let e = error as? StateDatabaseError ?? StateDatabaseError(message: "\(error)")
                markLost(e)
                for item in batch { item.done.resume(throwing: PostgresStateError.lost(lostMessage(e))) }
            }
        }
    }

    private func lostMessage(_ e: StateDatabaseError) -> String {
        "lost the connection to the state database (\(e.message)); its lock went with it, so this apply records nothing more. What was committed before stays: run `ogf plan \(environment)` to see what is left"
    }

    private func markLost(_ e: StateDatabaseError) {
        let first = pending.withLock { p -> Bool in
            guard p.lost == nil else { return false }
            p.lost = lostMessage(e)
            return true
        }
        if first, let f = onLost.withLock({ $0 }) { f() }
    }
}
