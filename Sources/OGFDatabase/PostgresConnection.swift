import CPostgres
import Dispatch
import Foundation
import Synchronization

/// An error the server (or libpq) reported, with the fields a migration report needs.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Five-character SQLSTATE, e.g. `42P01`; empty for client-side failures.
    public var sqlState: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character offset into the statement text where the server located the error.
    public var position: Int?

    public init(sqlState: String = "", message: String, detail: String? = nil, hint: String? = nil, position: Int? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
    }

    public var description: String {
        var s = message
        if !sqlState.isEmpty { s += " (SQLSTATE \(sqlState))" }
        if let detail { s += "; \(detail)" }
        if let hint { s += "; hint: \(hint)" }
        return s
    }

    /// lock_timeout or statement_timeout fired.
    public var isTimeout: Bool { (sqlState == "55P03" || sqlState == "57014") && !isCancelled }

    /// The statement was cancelled on request (`PostgresConnection.cancel`), not by a timeout.
    public var isCancelled: Bool { sqlState == "57014" && (message.contains("user request") || message == Self.cancelled.message) }

    /// Thrown for a statement that was not started because the connection was cancelled.
    public static let cancelled = PostgresError(sqlState: "57014", message: "not run: the operation was cancelled")
}

/// The rows of one result, as text (NULL as nil).
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[String?]]

    public subscript(row: Int, column: String) -> String? {
        guard let c = columns.firstIndex(of: column), rows.indices.contains(row) else { return nil }
        return rows[row][c]
    }

    public var firstValue: String? { rows.first?.first ?? nil }
}

/// One libpq connection. Not shared between tasks: each use opens its own, which is what a
/// migration lock wants anyway (the advisory lock belongs to the session).
///
/// libpq blocks, so async code never calls the synchronous methods directly: `open` connects on
/// a Dispatch thread and `run` runs a body of calls on the connection's own serial queue, never
/// on one of Swift's few cooperative threads. Cancelling the task that awaits `run` sends the
/// server a cancel request (`PQcancel`) for the statement in flight and refuses every later
/// statement on this connection, so a cancelled migration stops at once and the server rolls its
/// transaction back.
public final class PostgresConnection: @unchecked Sendable {
    let conn: OpaquePointer
    /// For PQcancel, which is safe to call from any thread while another one waits in PQexec.
    private let cancelHandle: OpaquePointer?
    private let queue = DispatchQueue(label: "ogf.postgres.connection")
    private let activity = Mutex(Activity())

    struct Activity {
        /// Set once a cancellation arrived; from then on no statement starts on this connection.
        var cancelled = false
        /// A libpq call is waiting on the server.
        var busy = false
    }

    /// Connects on a Dispatch thread (the attempt may take up to `connectTimeout`). A cancelled
    /// task stops waiting at once; the attempt ends in the background and its connection closes.
    public static func open(url: String, applicationName: String = "ogf", connectTimeout: Int = 10) async throws -> PostgresConnection {
        try await offPool { try PostgresConnection(url: url, applicationName: applicationName, connectTimeout: connectTimeout) }
    }

    /// Connects with a libpq URL or conninfo string. `connectTimeout` applies unless the URL sets one.
    /// Blocks: async code uses `open`.
    public init(url: String, applicationName: String = "ogf", connectTimeout: Int = 10) throws {
        var keys = ["dbname", "application_name"]
        var values = [url, applicationName]
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
        guard let c else { throw PostgresError(message: "out of memory while connecting") }
        guard PQstatus(c) == CONNECTION_OK else {
            let msg = String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(c)
            throw PostgresError(message: msg)
        }
        conn = c
        cancelHandle = PQgetCancel(c)
        // NOTICEs ("relation already exists, skipping") would otherwise go to stderr.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(conn)
    }

    /// Runs `body` (synchronous libpq calls on this connection) on the connection's own thread.
    /// When the awaiting task is cancelled, the statement in flight is cancelled on the server
    /// and later statements are refused; `run` then throws `CancellationError` whatever `body`
    /// made of the failure. After a cancellation the connection only serves to be closed.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            let result: Result<T, Error> = await withCheckedContinuation { cont in
                queue.async { cont.resume(returning: Result { try body(self) }) }
            }
            if activity.withLock({ $0.cancelled }) {
                if case .success(let value) = result { return value }
                throw CancellationError()
            }
            return try result.get()
        } onCancel: {
            self.cancel()
        }
    }

    /// Runs `body` on the connection's thread without waiting for it: clean-up (unlocking) that
    /// must come after the work already queued, from places that cannot await.
    public func runDetached(_ body: @escaping @Sendable (PostgresConnection) -> Void) {
        queue.async { body(self) }
    }

    /// Runs clean-up `body` on the connection's thread and waits for it even in a cancelled task
    /// (it still cannot start statements on a connection that was itself cancelled).
    public func cleanUp(_ body: @escaping @Sendable (PostgresConnection) -> Void) async {
        await withCheckedContinuation { cont in
            queue.async {
                body(self)
                cont.resume()
            }
        }
    }

    /// Cancels the statement in flight (if any) and refuses later ones. Safe from any thread.
    public func cancel() {
        let wasBusy = activity.withLock { a in
            let busy = a.busy
            a.cancelled = true
            return busy
        }
        guard wasBusy else { return }
        // A cancel request that reaches the backend before the statement does is ignored by the
        // server, so repeat it until the statement has returned. A server that cannot be reached
        // (or will not stop) gets its socket shut down after 2 s: libpq's blocked read returns.
        DispatchQueue.global().async { [self] in
            var attempts = 0
            while activity.withLock({ $0.busy }) {
                if attempts == 10 { shutdown(PQsocket(conn), Int32(SHUT_RDWR)) }
                if attempts < 10 { sendCancel() }
                attempts += 1
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    private func sendCancel() {
        guard let cancelHandle else { return }
        var errbuf = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &errbuf, Int32(errbuf.count))
    }

    /// Marks the connection busy for one blocking libpq exchange; refuses once cancelled.
    private func exchange<R>(_ body: () throws -> R) throws -> R {
        try activity.withLock { a in
            if a.cancelled { throw PostgresError.cancelled }
            a.busy = true
        }
        defer { activity.withLock { $0.busy = false } }
        return try body()
    }

    /// The server's version as an integer, e.g. 150018 for 15.18.
    public var serverVersionNumber: Int { Int(PQserverVersion(conn)) }

    /// The server's major version: 15 for 15.18.
    public var serverMajorVersion: Int { serverVersionNumber / 10000 }

    public var backendPID: Int { Int(PQbackendPID(conn)) }

    /// Runs one or more statements with the simple protocol; returns the last result.
    @discardableResult
    public func execute(_ sql: String) throws -> QueryResult {
        guard let r = try exchange({ PQexec(conn, sql) }) else { throw connectionError() }
        defer { PQclear(r) }
        return try Self.check(r, conn)
    }

    /// Runs one statement with text parameters ($1, $2, ...).
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) throws -> QueryResult {
        let r = try exchange {
            withCParams(params) { ptrs in
                PQexecParams(conn, sql, Int32(params.count), nil, ptrs, nil, nil, 0)
            }
        }
        guard let r else { throw connectionError() }
        defer { PQclear(r) }
        return try Self.check(r, conn)
    }

    /// Runs statements in one pipeline: all are sent, then the results read, so the whole batch
    /// costs one round trip. Stops at the first failure; returns its index and error, or nil.
    /// A statement may carry parameters. Statements after a failure are not run.
    public func pipeline(_ statements: [(sql: String, params: [String?])]) throws -> (index: Int, error: PostgresError)? {
        try exchange { try pipelineExchange(statements) }
    }

    private func pipelineExchange(_ statements: [(sql: String, params: [String?])]) throws -> (index: Int, error: PostgresError)? {
        guard PQenterPipelineMode(conn) == 1 else { throw connectionError() }
        defer { _ = PQexitPipelineMode(conn) }
        for s in statements {
            let ok = withCParams(s.params) { ptrs in
                PQsendQueryParams(conn, s.sql, Int32(s.params.count), nil, ptrs, nil, nil, 0)
            }
            guard ok == 1 else { throw connectionError() }
        }
        guard PQpipelineSync(conn) == 1 else { throw connectionError() }
        var failure: (Int, PostgresError)?
        var index = 0
        while index < statements.count {
            guard let r = PQgetResult(conn) else { index += 1; continue }  // end of one statement's results
            let status = PQresultStatus(r)
            if status == PGRES_FATAL_ERROR, failure == nil {
                failure = (index, Self.error(from: r, conn))
            }
            PQclear(r)
            if status == PGRES_PIPELINE_ABORTED || status == PGRES_FATAL_ERROR {
                // Each aborted statement still ends with a NULL result, read by the loop.
            }
        }
        // The sync point.
        while let r = PQgetResult(conn) {
            let done = PQresultStatus(r) == PGRES_PIPELINE_SYNC
            PQclear(r)
            if done { break }
        }
        return failure.map { (index: $0.0, error: $0.1) }
    }

    private func withCParams<R>(_ params: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let c = params.map { $0.map { strdup($0)! } }
        defer { c.forEach { free($0) } }
        return body(c.map { $0.map { UnsafePointer($0) } })
    }

    private func connectionError() -> PostgresError {
        PostgresError(message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func check(_ r: OpaquePointer, _ conn: OpaquePointer) throws -> QueryResult {
        switch PQresultStatus(r) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(columns: [], rows: [])
        case PGRES_TUPLES_OK:
            let n = Int(PQntuples(r)), f = Int(PQnfields(r))
            let columns = (0..<f).map { String(cString: PQfname(r, Int32($0))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(n)
            for i in 0..<n {
                rows.append((0..<f).map { j in
                    PQgetisnull(r, Int32(i), Int32(j)) == 1 ? nil : String(cString: PQgetvalue(r, Int32(i), Int32(j)))
                })
            }
            return QueryResult(columns: columns, rows: rows)
        default:
            throw error(from: r, conn)
        }
    }

    static func error(from r: OpaquePointer, _ conn: OpaquePointer) -> PostgresError {
        func field(_ c: Character) -> String? {
            guard let p = PQresultErrorField(r, Int32(c.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        let primary = field("M") ?? String(cString: PQresultErrorMessage(r)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(sqlState: field("C") ?? "", message: primary.isEmpty ? String(cString: PQerrorMessage(conn)) : primary,
                             detail: field("D"), hint: field("H"), position: field("P").flatMap { Int($0) })
    }

    /// Quotes an identifier for SQL text.
    public static func quoteIdentifier(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal for SQL text (standard_conforming_strings on).
    public static func quoteLiteral(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Runs a blocking call on a Dispatch thread, so it never occupies a cooperative thread. A
/// cancelled task stops waiting at once (with `CancellationError`); the call itself runs to
/// its end in the background and its result is dropped.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try Task.checkCancellation()
    let waiter = OneShot<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            waiter.set(cont)
            DispatchQueue.global().async { waiter.resume(with: Result { try body() }) }
        }
    } onCancel: {
        waiter.resume(with: .failure(CancellationError()))
    }
}

/// A continuation resumed by whichever comes first: the result or the cancellation.
final class OneShot<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Error>?>(nil)
    /// A cancellation that came before the continuation existed.
    private let early = Mutex<Result<T, Error>?>(nil)

    func set(_ c: CheckedContinuation<T, Error>) {
        let pending: Result<T, Error>? = continuation.withLock { slot in
            if let r = early.withLock({ $0 }) { return r }
            slot = c
            return nil
        }
        if let pending { c.resume(with: pending) }
    }

    func resume(with result: Result<T, Error>) {
        let c: CheckedContinuation<T, Error>? = continuation.withLock { slot in
            guard let c = slot else {
                early.withLock { if $0 == nil { $0 = result } }
                return nil
            }
            slot = nil
            return c
        }
        c?.resume(with: result)
    }
}
