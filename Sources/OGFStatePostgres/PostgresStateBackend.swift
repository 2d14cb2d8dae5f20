import Crypto
import Foundation
import OGFCore
import OGFState

/// State in a PostgreSQL schema: one row per environment (lineage, serial, salt), one row per
/// resource, one per history entry, and a lock row naming the holder beside a session-level
/// advisory lock. Each finished resource is committed before it is reported done (writes arriving
/// together share one transaction). docs/state-backends.md.
public struct PostgresStateBackend: StateBackend {
    public let url: String
    let password: String?
    public let schema: String
    public let environment: String
    /// `host:port/database`, for messages.
    public let server: String
    /// How often a lock holder touches its row, and after how long without that it is stale.
    public var heartbeatInterval: Double = 10
    public var staleAfter: Double = 60
    /// Each recorded write its own transaction instead of group commit (for the benchmark).
    public var transactionPerWrite = false
    /// Every batch waits for its WAL to reach the disk, not only the apply's end (for the
    /// benchmark; see `PostgresStateRecorder`).
    public var synchronousCommits = false

    public init(url: String, schema: String, environment: String) {
        self.url = url
        self.schema = schema
        self.environment = environment
        let c = URLComponents(string: url)
        password = c?.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
        let host = c?.host ?? "localhost"
        server = "\(host)\(c?.port.map { ":\($0)" } ?? "")/\(String((c?.path ?? "").drop(while: { $0 == "/" })))"
    }

    public var location: String { "postgres \(schema).\(environment) at \(server)" }

    var s: String { PostgresStateSchema.quote(schema) }

    /// Connects and makes sure the tables exist at this ogf's version.
    func connect() async throws -> StateConnection {
        let c: StateConnection
        do {
            c = try await StateConnection.open(url: url, password: password)
        } catch let e as StateDatabaseError {
            throw Self.connectError(e, server: server)
        }
        let schema = schema, key = setupKey
        try await c.run { try PostgresStateSchema.prepare($0, schema: schema, setupKey: key) }
        return c
    }

    static func connectError(_ e: StateDatabaseError, server: String) -> PostgresStateError {
        let m = e.message
        if m.contains("password authentication failed") || m.contains("no password supplied") {
            return .connect("cannot connect to the state database at \(server): \(m)",
                            hint: "Check the user and password in the secret state.url refers to.")
        }
        if m.contains("does not exist") {
            return .connect("cannot connect to the state database at \(server): \(m)", hint: "Create the database, or fix the database name in state.url.")
        }
        return .connect("cannot reach the state database at \(server): \(m)",
                        hint: "Check that the server runs and that state.url names the right host and port.")
    }

    /// Advisory-lock keys: a hash of database, schema and environment, so environments of
    /// different schemas (or databases) on one server never share a key (Terraform's pg backend
    /// keys on a per-schema sequence and collides across schemas: hashicorp/terraform#22833).
    func lockKey(database: String) -> Int64 { Self.key("ogf-state-lock\u{0}\(database)\u{0}\(schema)\u{0}\(environment)") }
    var setupKey: Int64 { Self.key("ogf-state-setup\u{0}\(schema)") }

    static func key(_ text: String) -> Int64 {
        let d = Array(SHA256.hash(data: Data(text.utf8)))
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }

    // MARK: reading

    public func read() async throws -> StateFile? {
        let c = try await connect()
        let (s, env) = (s, environment)
        return try await c.run { c in
            try c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? c.query("COMMIT") }
            return try Self.load(c, s, env)
        }
    }

    /// Everything stored for `env`, in one snapshot (the caller opens the transaction).
    static func load(_ c: StateConnection, _ s: String, _ env: String) throws -> StateFile? {
        guard let row = try c.query("SELECT lineage, serial, secret_salt, format_version, ogf_version, moved_to FROM \(s).environments WHERE name = $1",
                                    [env]).first else { return nil }
        if let moved = row[5] {
            throw PostgresStateError.moved("the state of \(env) was moved to \(moved) by `ogf state migrate`; this copy is kept only for reference. Remove the `state:` section (or set backend: \(moved)) in environments/\(env).yaml")
        }
        let format = Int(row[3] ?? "") ?? 0
        guard format == StateFile.formatVersion else { throw StateError.unsupportedFormat(format) }
        var state = StateFile(environment: env)
        state.lineage = row[0] ?? ""
        state.serial = Int(row[1] ?? "") ?? 0
        state.secretSalt = row[2] ?? ""
        state.ogfVersion = row[4] ?? ""
        var resources: [ResourceAddress: ResourceState] = [:]
        for r in try c.query("SELECT address, body FROM \(s).resources WHERE environment = $1", [env]) {
            guard let text = r[0], let a = ResourceAddress(parsing: text) else { throw StateError.corrupt("invalid address \(r[0] ?? "NULL") in \(s).resources") }
            do {
                resources[a] = try StateFile.decodeRow(ResourceState.self, from: Data((r[1] ?? "").utf8))
            } catch {
                throw StateError.corrupt("the row of \(a) in \(s).resources cannot be read (\(error))")
            }
        }
        state.resources = resources
        state.history = try c.query("SELECT id, body FROM \(s).history WHERE environment = $1 ORDER BY id", [env]).map { r in
            do { return try StateFile.decodeRow(HistoryEntry.self, from: Data((r[1] ?? "").utf8)) } catch {
                throw StateError.corrupt("history entry \(r[0] ?? "?") in \(s).history cannot be read (\(error))")
            }
        }
        return state
    }

    // MARK: locking

    public func lock(operation: String, timeout: Double) async throws -> any StateLease {
        let c = try await connect()
        let (s, env, location) = (s, environment, location)
        let database = try await c.run { try $0.query("SELECT current_database()").first?.first ?? "" } ?? ""
        let key = lockKey(database: database)
        let deadline = Date().addingTimeInterval(timeout)
        let staleAfter = staleAfter
        let info = LockInfo(id: UUID().uuidString.lowercased(), operation: operation, user: ProcessIdentity.user, host: ProcessIdentity.host,
                            pid: getpid(), createdAt: Date(), ogfVersion: OGFVersion.current)
        var unnamedSince: Date?
        while true {
            enum Attempt: Sendable { case took(LockInfo?), held(LockInfo?, Date?) }
            let attempt: Attempt = try await c.run { c in
                guard try c.query("SELECT pg_try_advisory_lock($1)", [String(key)]).first?.first == "t" else {
                    let row = try Self.lockRow(c, s, env)
                    let stale = row.flatMap { r in Date().timeIntervalSince(r.heartbeat) > staleAfter ? r.heartbeat : nil }
                    return .held(row?.info, stale)
                }
                let previous = try Self.lockRow(c, s, env)?.info
                try c.query("""
                    INSERT INTO \(s).locks (environment, lock_id, holder_user, host, pid, operation, since, heartbeat, backend_pid, ogf_version)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, now(), pg_backend_pid(), $8)
                    ON CONFLICT (environment) DO UPDATE SET lock_id = EXCLUDED.lock_id, holder_user = EXCLUDED.holder_user, host = EXCLUDED.host,
                      pid = EXCLUDED.pid, operation = EXCLUDED.operation, since = EXCLUDED.since, heartbeat = now(),
                      backend_pid = EXCLUDED.backend_pid, ogf_version = EXCLUDED.ogf_version
                    """, [env, info.id, info.user, info.host, String(info.pid), info.operation, Self.iso(info.createdAt), info.ogfVersion])
                return .took(previous)
            }
            switch attempt {
            case .took(let previous):
                return PostgresStateLease(connection: c, info: info, stale: previous, schema: s, environment: env, key: key,
                                          heartbeat: heartbeatInterval)
            case .held(let holder, let stale):
                // The holder takes the advisory lock a moment before it writes its row: give it a
                // second to say who it is, so the error can name it.
                if holder == nil {
                    unnamedSince = unnamedSince ?? Date()
                    if Date().timeIntervalSince(unnamedSince!) < 1 {
                        try await Task.sleep(for: .milliseconds(50))
                        continue
                    }
                }
                if Date() >= deadline { throw LockError.heldOnServer(holder, location: location, heartbeatSince: stale) }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    struct LockRow { var info: LockInfo; var heartbeat: Date; var backendPID: Int32 }

    static func lockRow(_ c: StateConnection, _ s: String, _ env: String) throws -> LockRow? {
        guard let r = try c.query("""
            SELECT lock_id, operation, holder_user, host, pid, to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   ogf_version, extract(epoch FROM now() - heartbeat), backend_pid
            FROM \(s).locks WHERE environment = $1
            """, [env]).first else { return nil }
        let since = r[5].flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date()
        let info = LockInfo(id: r[0] ?? "", operation: r[1] ?? "", user: r[2] ?? "", host: r[3] ?? "", pid: Int32(r[4] ?? "") ?? 0,
                            createdAt: since, ogfVersion: r[6] ?? "")
        let age = Double(r[7] ?? "") ?? 0
        return LockRow(info: info, heartbeat: Date().addingTimeInterval(-age), backendPID: Int32(r[8] ?? "") ?? 0)
    }

    static func iso(_ d: Date) -> String { ISO8601DateFormatter().string(from: d) }

    public func holder() async throws -> LockHolder? {
        let c = try await connect()
        let (s, env) = (s, environment)
        let database = try await c.run { try $0.query("SELECT current_database()").first?.first ?? "" } ?? ""
        let key = lockKey(database: database)
        let staleAfter = staleAfter
        return try await c.run { c in
            let row = try Self.lockRow(c, s, env)
            let free = try c.query("SELECT pg_try_advisory_lock($1)", [String(key)]).first?.first == "t"
            if free { try c.query("SELECT pg_advisory_unlock($1)", [String(key)]) }
            guard row != nil || !free else { return nil }
            let stale = row.flatMap { r in !free && Date().timeIntervalSince(r.heartbeat) > staleAfter ? r.heartbeat : nil }
            return LockHolder(info: row?.info, held: !free, staleSince: stale)
        }
    }

    /// Ends the holder's database session (its advisory lock goes with it) and removes its row.
    /// The holder process keeps running but fails at its next write.
    public func forceUnlock(id: String) async throws -> LockInfo {
        let c = try await connect()
        let (s, env) = (s, environment)
        return try await c.run { c in
            guard let row = try Self.lockRow(c, s, env) else { throw LockError.notLocked(env) }
            guard row.info.id == id else { throw LockError.idMismatch(expected: id, actual: row.info) }
            let alive = try c.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND application_name = 'ogf-state'", [String(row.backendPID)])
            if !alive.isEmpty {
                do { try c.query("SELECT pg_terminate_backend($1)", [String(row.backendPID)]) } catch let e as StateDatabaseError {
                    throw LockError.io("cannot end the holder's database session (pid \(row.backendPID)): \(e.message); ask an administrator to run SELECT pg_terminate_backend(\(row.backendPID))")
                }
            }
            try c.query("DELETE FROM \(s).locks WHERE environment = $1 AND lock_id = $2", [env, id])
            return row.info
        }
    }

    // MARK: writing (under the lock)

    func leaseConnection(_ lease: any StateLease) throws -> StateConnection {
        guard let l = lease as? PostgresStateLease else { throw PostgresStateError.changed("internal: a postgres state write without its lock") }
        return l.connection
    }

    public func recover(under lease: any StateLease) async throws -> (state: StateFile, recovered: Int) {
        let c = try leaseConnection(lease)
        let (s, env) = (s, environment)
        let fresh = StateFile(environment: env)
        let state: StateFile = try await c.run { c in
            try c.query("BEGIN")
            do {
                // A new environment's row is made at once: its lineage is fixed for a saved plan.
                try c.query("""
                    INSERT INTO \(s).environments (name, lineage, serial, secret_salt, format_version, ogf_version)
                    VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT (name) DO NOTHING
                    """, [env, fresh.lineage, fresh.secretSalt, String(StateFile.formatVersion), OGFVersion.current])
                let state = try Self.load(c, s, env)!
                try c.query("COMMIT")
                return state
            } catch {
                _ = try? c.query("ROLLBACK")
                throw error
            }
        }
        return (state, 0)
    }

    public func recorder(for state: StateFile, under lease: any StateLease) async throws -> any StateRecorder {
        try await PostgresStateRecorder.start(connection: try leaseConnection(lease), schema: s, environment: environment, state: state,
                                              transactionPerWrite: transactionPerWrite, synchronousCommits: synchronousCommits)
    }

    /// One transaction: the environment's rows replaced by `state` (serial and lineage as given).
    public func replace(with state: StateFile, under lease: any StateLease) async throws {
        let c = try leaseConnection(lease)
        let (s, env) = (s, environment)
        var resources: [[String]] = []
        for (a, r) in state.resources.sorted(by: { $0.key < $1.key }) {
            resources.append([a.description, String(decoding: try StateFile.encodeRow(r), as: UTF8.self)])
        }
        let history = try state.history.map { [String($0.id), String(decoding: try StateFile.encodeRow($0), as: UTF8.self)] }
        let resJSON = String(decoding: try JSONEncoder().encode(resources), as: UTF8.self)
        let histJSON = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        try await c.run { c in
            try c.query("BEGIN")
            do {
                try c.query("DELETE FROM \(s).environments WHERE name = $1", [env])
                try c.query("""
                    INSERT INTO \(s).environments (name, lineage, serial, secret_salt, format_version, ogf_version)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """, [env, state.lineage, String(state.serial), state.secretSalt, String(state.formatVersion), state.ogfVersion])
                try c.query("INSERT INTO \(s).resources (environment, address, body) SELECT $1, e->>0, e->>1 FROM json_array_elements($2::json) e",
                            [env, resJSON])
                try c.query("INSERT INTO \(s).history (environment, id, body) SELECT $1, (e->>0)::integer, e->>1 FROM json_array_elements($2::json) e",
                            [env, histJSON])
                try c.query("COMMIT")
            } catch {
                _ = try? c.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Marks this copy as moved to another backend (after `ogf state migrate` verified the copy):
    /// commands refuse it from then on, so nobody writes to the old copy by mistake.
    public func markMoved(to target: String, under lease: any StateLease) async throws {
        let c = try leaseConnection(lease)
        let (s, env) = (s, environment)
        try await c.run { c in try c.query("UPDATE \(s).environments SET moved_to = $2, updated_at = now() WHERE name = $1", [env, target]) }
    }

    /// Removes everything stored for this environment (tests; a failed migration's partial copy).
    public func drop(under lease: any StateLease) async throws {
        let c = try leaseConnection(lease)
        let (s, env) = (s, environment)
        try await c.run { c in try c.query("DELETE FROM \(s).environments WHERE name = $1", [env]) }
    }

    /// The raw row state without the moved check: whether there is any, and where it moved.
    public func status() async throws -> (exists: Bool, movedTo: String?, lineage: String?, serial: Int?) {
        let c = try await connect()
        let (s, env) = (s, environment)
        return try await c.run { c in
            guard let r = try c.query("SELECT moved_to, lineage, serial FROM \(s).environments WHERE name = $1", [env]).first else {
                return (false, nil, nil, nil)
            }
            return (true, r[0], r[1], r[2].flatMap { Int($0) })
        }
    }
}

extension PostgresStateBackend {
    /// Drops a whole state schema (tests and benchmarks clean up with it; ogf itself never drops).
    public static func dropSchema(url: String, schema: String) async throws {
        let c = try await StateConnection.open(url: url, password: nil)
        let s = PostgresStateSchema.quote(schema)
        try await c.run { try $0.query("DROP SCHEMA IF EXISTS \(s) CASCADE") }
    }
}
