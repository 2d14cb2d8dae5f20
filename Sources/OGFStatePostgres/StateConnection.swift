import CPostgres
import Dispatch
import Foundation
import Synchronization

/// An error from the server or libpq, with its SQLSTATE. Its text never holds the URL's password
/// (libpq does not put it there, and `StateConnection` masks it anyway).
public struct StateDatabaseError: Error, Sendable, CustomStringConvertible {
    public var sqlState: String
    public var message: String

    public init(sqlState: String = "", message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String { sqlState.isEmpty ? message : "\(message) (SQLSTATE \(sqlState))" }

    /// The connection is gone (server restarted, network lost): SQLSTATE class 08, 57P01-03, or a
    /// client-side failure.
    public var isConnectionLoss: Bool {
        sqlState.isEmpty || sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}

/// One libpq session for the state backend: the same pattern as OGFDatabase's
/// `PostgresConnection` (a kind target, so not imported here). libpq blocks, so every call runs on
/// the connection's own serial Dispatch queue, never on Swift's cooperative pool; `run` bridges
/// with a continuation, and `cancel` sends `PQcancel` for a statement in flight.
final class StateConnection: @unchecked Sendable {
    private let conn: OpaquePointer
    private let cancelHandle: OpaquePointer?
    let queue = DispatchQueue(label: "ogf.state.postgres")
    /// The password, masked out of every message.
    private let password: String?
    private let busy = Mutex(false)

    /// Connects (blocking; async callers use `open`).
    init(url: String, password: String?, connectTimeout: Int = 10) throws {
        self.password = password
        var keys = ["dbname", "application_name"]
        var values = [url, "ogf-state"]
        if !url.contains("connect_timeout") {
            keys.append("connect_timeout")
            values.append(String(connectTimeout))
        }
        let cKeys = keys.map { strdup($0) } + [nil]
        let cValues = values.map { strdup($0) } + [nil]
        defer {
            cKeys.forEach { free($0) }
            cValues.forEach { free($0) }
        }
        let c: OpaquePointer? = cKeys.withUnsafeBufferPointer { k in
            cValues.withUnsafeBufferPointer { v in
                k.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: k.count) { kp in
                    v.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: v.count) { vp in
                        PQconnectdbParams(kp, vp, 1)
                    }
                }
            }
        }
        guard let c else { throw StateDatabaseError(message: "out of memory while connecting") }
        guard PQstatus(c) == CONNECTION_OK else {
            let msg = Self.mask(String(cString: PQerrorMessage(c)), password)
            PQfinish(c)
            throw StateDatabaseError(sqlState: "08001", message: msg.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        conn = c
        cancelHandle = PQgetCancel(c)
        PQsetNoticeProcessor(c, { _, _ in }, nil)
    }

    static func open(url: String, password: String?, connectTimeout: Int = 10) async throws -> StateConnection {
        try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                cont.resume(with: Result { try StateConnection(url: url, password: password, connectTimeout: connectTimeout) })
            }
        }
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(conn)
    }

    static func mask(_ s: String, _ password: String?) -> String {
        guard let password, !password.isEmpty else { return s }
        var out = s.replacingOccurrences(of: password, with: "****")
        if let enc = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed), enc != password {
            out = out.replacingOccurrences(of: enc, with: "****")
        }
        return out
    }

    /// Runs `body` on the connection's queue. Cancelling the awaiting task sends PQcancel for the
    /// statement in flight (the body then fails with the server's cancel error).
    func run<T: Sendable>(_ body: @escaping @Sendable (StateConnection) throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
                queue.async { cont.resume(with: Result { try body(self) }) }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// Runs `body` on the connection's queue and waits, ignoring task cancellation: writes that
    /// record finished work must land even when the apply is being stopped.
    func runUncancelled<T: Sendable>(_ body: @escaping @Sendable (StateConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            queue.async { cont.resume(with: Result { try body(self) }) }
        }
    }

    func cancel() {
        guard busy.withLock({ $0 }), let cancelHandle else { return }
        var errbuf = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &errbuf, Int32(errbuf.count))
    }

    var backendPID: Int32 { PQbackendPID(conn) }
    var isOK: Bool { PQstatus(conn) == CONNECTION_OK }

    /// One statement with text parameters; rows as text (NULL as nil).
    @discardableResult
    func query(_ sql: String, _ params: [String?] = []) throws -> [[String?]] {
        busy.withLock { $0 = true }
        defer { busy.withLock { $0 = false } }
        let r = withCParams(params) { ptrs in PQexecParams(conn, sql, Int32(params.count), nil, ptrs, nil, nil, 0) }
        guard let r else { throw connectionError() }
        defer { PQclear(r) }
        return try check(r)
    }

    /// Prepares a named statement on this session (parsed and planned once).
    func prepare(_ name: String, _ sql: String) throws {
        busy.withLock { $0 = true }
        defer { busy.withLock { $0 = false } }
        guard let r = PQprepare(conn, name, sql, 0, nil) else { throw connectionError() }
        defer { PQclear(r) }
        _ = try check(r)
    }

    /// Several prepared statements (by name) in one round trip. Returns each statement's rows or
    /// error, in order.
    ///
    /// `oneTransaction: false` ends each with a sync: each is its own transaction. `true` sends a
    /// single sync after the last: the extended protocol runs everything before a sync as one
    /// implicit transaction, committed at the sync (group commit: one commit, one WAL flush for the
    /// batch). If one statement fails, the server skips the rest and rolls the batch back: every
    /// result is then that failure, since nothing of the batch was committed.
    /// `prepared: false` sends SQL text instead of prepared statements' names.
    func pipeline(_ statements: [(sql: String, params: [String?])], oneTransaction: Bool = false,
                  prepared: Bool = true) throws -> [Result<[[String?]], StateDatabaseError>] {
        busy.withLock { $0 = true }
        defer { busy.withLock { $0 = false } }
        guard PQenterPipelineMode(conn) == 1 else { throw connectionError() }
        defer { _ = PQexitPipelineMode(conn) }
        for (i, s) in statements.enumerated() {
            let ok = withCParams(s.params) { ptrs in
                prepared ? PQsendQueryPrepared(conn, s.sql, Int32(s.params.count), ptrs, nil, nil, 0)
                    : PQsendQueryParams(conn, s.sql, Int32(s.params.count), nil, ptrs, nil, nil, 0)
            }
            guard ok == 1 else { throw connectionError() }
            if !oneTransaction || i == statements.count - 1 {
                guard PQpipelineSync(conn) == 1 else { throw connectionError() }
            }
        }
        var results: [Result<[[String?]], StateDatabaseError>] = []
        results.reserveCapacity(statements.count)
        for _ in statements {
            results.append(oneTransaction ? try nextStatementResult() : try nextSyncedResult())
        }
        if oneTransaction {
            try awaitSync()
            if let failure = results.lazy.compactMap({ r -> StateDatabaseError? in if case .failure(let e) = r { return e } else { return nil } }).first {
                let first = results.lazy.compactMap { r -> StateDatabaseError? in
                    if case .failure(let e) = r, e.sqlState != Self.abortedState { return e } else { return nil }
                }.first ?? failure
                return results.map { _ in .failure(first) }
            }
        }
        return results
    }

    /// SQLSTATE-less marker of a statement the server skipped after an earlier failure.
    static let abortedState = "ogf-pipeline-aborted"

    /// One statement's result(s), then a NULL, then its sync.
    private func nextSyncedResult() throws -> Result<[[String?]], StateDatabaseError> {
        let result = try nextStatementResult()
        try awaitSync()
        return result
    }

    /// One statement's result(s), ended by a NULL (no sync of its own).
    private func nextStatementResult() throws -> Result<[[String?]], StateDatabaseError> {
        var result: Result<[[String?]], StateDatabaseError>?
        while let r = PQgetResult(conn) {
            defer { PQclear(r) }
            if PQresultStatus(r) == PGRES_PIPELINE_SYNC { throw StateDatabaseError(message: "the server ended the pipeline early") }
            if result == nil { result = convert(r) }
        }
        if PQstatus(conn) != CONNECTION_OK { throw connectionError() }
        return result ?? .failure(StateDatabaseError(message: "no result"))
    }

    /// The sync that ends (commits) a pipeline's transaction. Two NULLs in a row, or a connection
    /// gone bad, mean the server went away mid-pipeline.
    private func awaitSync() throws {
        var nulls = 0
        while true {
            guard let r = PQgetResult(conn) else {
                nulls += 1
                if PQstatus(conn) != CONNECTION_OK || nulls > 1 { throw connectionError() }
                continue
            }
            nulls = 0
            let status = PQresultStatus(r)
            PQclear(r)
            if status == PGRES_PIPELINE_SYNC { return }
        }
    }

    private func convert(_ r: OpaquePointer) -> Result<[[String?]], StateDatabaseError> {
        if PQresultStatus(r) == PGRES_PIPELINE_ABORTED {
            return .failure(StateDatabaseError(sqlState: Self.abortedState, message: "skipped after an earlier statement of the batch failed"))
        }
        do { return .success(try check(r)) } catch let e as StateDatabaseError { return .failure(e) } catch {
            return .failure(StateDatabaseError(message: "\(error)"))
        }
    }

    private func withCParams<R>(_ params: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let c = params.map { $0.map { strdup($0)! } }
        defer { c.forEach { free($0) } }
        return body(c.map { $0.map { UnsafePointer($0) } })
    }

    private func connectionError() -> StateDatabaseError {
        StateDatabaseError(message: Self.mask(String(cString: PQerrorMessage(conn)), password).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func check(_ r: OpaquePointer) throws -> [[String?]] {
        switch PQresultStatus(r) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return []
        case PGRES_TUPLES_OK:
            let n = Int(PQntuples(r)), f = Int(PQnfields(r))
            var rows: [[String?]] = []
            rows.reserveCapacity(n)
            for i in 0..<n {
                rows.append((0..<f).map { j in
                    PQgetisnull(r, Int32(i), Int32(j)) == 1 ? nil : String(cString: PQgetvalue(r, Int32(i), Int32(j)))
                })
            }
            return rows
        default:
            let state = PQresultErrorField(r, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            var msg = PQresultErrorField(r, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
            if msg.isEmpty { msg = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines) }
            throw StateDatabaseError(sqlState: state, message: Self.mask(msg, password))
        }
    }
}
