import Foundation
import OGFCore

/// Where an environment's state lives: `state/<ENV>.json` (`FileStateBackend`) or a PostgreSQL
/// schema (`PostgresStateBackend` in OGFStatePostgres). The commands only ever talk to this
/// protocol; docs/state-backends.md describes the seam.
///
/// The contract every backend keeps:
/// - `read` never takes the lock and includes work an interrupted apply finished;
/// - `lock` fails at once naming the holder (or waits up to `timeout`), and a killed holder's
///   lock is gone without anyone's help;
/// - `recover` (under the lock) folds in unfinished work and creates a new environment's state
///   at once, so its lineage is fixed for a saved plan;
/// - a recorder's `put`/`remove`/`record` return only once the write survives a kill of ogf;
/// - `serial` grows with every write, `lineage` never changes.
public protocol StateBackend: Sendable {
    /// Where the state is, for messages: `state/production.json`, or
    /// `postgres ogf_state.production at 127.0.0.1:55432/db` (never a password).
    var location: String { get }

    /// The state without taking the lock (nil when there is none yet).
    func read() async throws -> StateFile?

    /// Takes the environment's lock, waiting up to `timeout` seconds; throws `LockError.held`.
    func lock(operation: String, timeout: Double) async throws -> any StateLease

    /// Under the lock: the state with any unfinished work folded in, and how many entries that was.
    func recover(under lease: any StateLease) async throws -> (state: StateFile, recovered: Int)

    /// Under the lock: records an apply's writes, each durable when its call returns.
    func recorder(for state: StateFile, under lease: any StateLease) async throws -> any StateRecorder

    /// Under the lock: replaces everything stored with `state`, serial and lineage as given
    /// (`ogf state migrate`).
    func replace(with state: StateFile, under lease: any StateLease) async throws

    /// Who holds the lock now (nil: nobody), and whether that holder looks alive.
    func holder() async throws -> LockHolder?

    /// Removes the lock with this id, as `ogf force-unlock` does.
    func forceUnlock(id: String) async throws -> LockInfo
}

/// A held lock. Released when ogf ends whatever happens (killed: the OS or the server drops it).
public protocol StateLease: AnyObject, Sendable {
    var info: LockInfo { get }
    /// The record of a previous holder that ended without releasing (reported, then taken over).
    var staleInfo: LockInfo? { get }
    func release()
}

/// The lock's holder as a backend sees it.
public struct LockHolder: Sendable {
    public var info: LockInfo?
    /// The holder still excludes others (file: the kernel lock is held; postgres: its session lives).
    public var held: Bool
    /// Postgres: the session lives but its heartbeat stopped (a hung process).
    public var staleSince: Date?

    public init(info: LockInfo?, held: Bool, staleSince: Date? = nil) {
        self.info = info
        self.held = held
        self.staleSince = staleSince
    }
}

/// The writes of one apply. `StateWriter` (journal) and the PostgreSQL recorder (a transaction per
/// resource) implement it; the applier sees only this.
public protocol StateRecorder: AnyObject, Sendable {
    /// Everything recorded so far on top of the state it started from.
    var state: StateFile { get }
    func put(_ address: ResourceAddress, _ resource: ResourceState) async throws
    func remove(_ address: ResourceAddress) async throws
    func record(_ entry: HistoryEntry) async throws
    /// Ends the apply's writes; returns the final state.
    func finish() async throws -> StateFile
}

extension StateWriter: StateRecorder {}
extension StateLock: StateLease {}

extension StateFile {
    /// SHA-256 of the state's canonical JSON (what `state/<ENV>.json` would hold): equal content,
    /// equal hash, whichever backend it came from. `ogf state migrate` verifies copies with it.
    public var contentHash: String {
        (try? StateStore.encoder.encode(self)).map { ContentHash.sha256($0) } ?? ""
    }

    /// The canonical JSON bytes.
    public func canonicalJSON() throws -> Data { try StateStore.encoder.encode(self) }

    /// One resource, one history entry: the JSON the postgres backend stores per row (the same
    /// bytes the journal writes), so both backends hold exactly the same content.
    public static func encodeRow<T: Encodable>(_ value: T) throws -> Data { try StateStore.lineEncoder.encode(value) }

    public static func decodeRow<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try StateJSONDecoder().decode(type, from: data) }
}

/// Today's backend: `state/<ENV>.json`, its journal and its `flock` lock, behaviour unchanged.
public struct FileStateBackend: StateBackend {
    public let store: StateStore

    public init(directory: String, environment: String) {
        store = StateStore(directory: directory, environment: environment)
    }

    public var location: String { "state/\(store.environment).json" }

    public func read() async throws -> StateFile? {
        guard store.exists || FileManager.default.fileExists(atPath: store.journalPath) else { return nil }
        return try store.load().state
    }

    public func lock(operation: String, timeout: Double) async throws -> any StateLease {
        try StateLock.acquire(directory: store.directory, environment: store.environment, operation: operation, timeout: timeout)
    }

    public func recover(under lease: any StateLease) async throws -> (state: StateFile, recovered: Int) {
        try store.compactIfNeeded()
    }

    public func recorder(for state: StateFile, under lease: any StateLease) async throws -> any StateRecorder {
        try StateWriter(store: store, state: state)
    }

    public func replace(with state: StateFile, under lease: any StateLease) async throws {
        try store.replace(with: state)
    }

    public func holder() async throws -> LockHolder? {
        let (info, held) = StateLock.currentHolder(directory: store.directory, environment: store.environment)
        guard info != nil || held else { return nil }
        return LockHolder(info: info, held: held)
    }

    public func forceUnlock(id: String) async throws -> LockInfo {
        try StateLock.forceUnlock(directory: store.directory, environment: store.environment, id: id)
    }
}
