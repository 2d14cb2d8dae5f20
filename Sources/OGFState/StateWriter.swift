import Dispatch
import Foundation
import OGFCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of state during an apply. Workers hand it finished resources from any thread;
/// it appends each to the journal at once (a `write`, so a killed process loses nothing) and
/// fsyncs in batches on a background queue (so a power cut loses at most the last
/// `syncInterval`, and no worker ever waits for the disk), then folds the journal into the state
/// file at the end.
public final class StateWriter: Sendable {
    struct Inner {
        var state: StateFile
        var fd: Int32
        var lastSync: ContinuousClock.Instant
        var syncScheduled: Bool
    }

    private let inner: Mutex<Inner>
    public let store: StateStore
    let syncInterval: Duration
    /// A second descriptor for the same journal, used only by the sync queue.
    private let syncFD: Int32
    private let syncQueue = DispatchQueue(label: "ogf.state.journal-sync")

    public init(store: StateStore, state: StateFile, syncInterval: Duration = .milliseconds(50)) throws {
        self.store = store
        self.syncInterval = syncInterval
        try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        let fd = open(store.journalPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateError.io("cannot open \(store.journalPath): \(String(cString: strerror(errno)))") }
        syncFD = dup(fd)
        inner = Mutex(Inner(state: state, fd: fd, lastSync: .now, syncScheduled: false))
        try append(JournalEntry(op: .begin, lineage: state.lineage))
        fsync(fd)
    }

    public var state: StateFile { inner.withLock { $0.state } }

    public func put(_ address: ResourceAddress, _ resource: ResourceState) throws {
        inner.withLock { $0.state.resources[address] = resource }
        try append(JournalEntry(op: .put, address: address, resource: resource))
    }

    public func remove(_ address: ResourceAddress) throws {
        inner.withLock { $0.state.resources[address] = nil }
        try append(JournalEntry(op: .remove, address: address))
    }

    public func record(_ entry: HistoryEntry) throws {
        inner.withLock { s in
            if let i = s.state.history.firstIndex(where: { $0.id == entry.id }) { s.state.history[i] = entry } else { s.state.history.append(entry) }
        }
        try append(JournalEntry(op: .history, history: entry))
    }

    func append(_ entry: JournalEntry) throws {
        var line = try StateStore.lineEncoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        try inner.withLock { s in
            try line.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(s.fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StateError.io("cannot append to \(store.journalPath): \(String(cString: strerror(errno)))")
                    }
                    off += n
                }
            }
            if !s.syncScheduled, ContinuousClock.now - s.lastSync >= syncInterval {
                s.syncScheduled = true
                s.lastSync = .now
                syncQueue.async { [self] in
                    fsync(syncFD)
                    inner.withLock { $0.syncScheduled = false }
                }
            }
        }
    }

    /// Writes the state file with everything recorded, and removes the journal.
    public func finish() throws -> StateFile {
        syncQueue.sync {}
        close(syncFD)
        return try inner.withLock { s in
            fsync(s.fd)
            close(s.fd)
            s.fd = -1
            try store.save(&s.state)
            return s.state
        }
    }
}
