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
///
/// Every write is followed by an fsync that starts at most `syncInterval` after it, whether or
/// not more writes come: the first write after a sync schedules the next one on a timer, at
/// `syncInterval` after the previous sync (or at once when that is past). Writes in between
/// ride along, so there is at most one fsync per interval however fast resources finish.
public final class StateWriter: Sendable {
    struct Inner {
        var state: StateFile
        var fd: Int32
        var lastSync: ContinuousClock.Instant
        var syncScheduled: Bool
        /// Journal bytes appended, and how many of them a finished fsync covers.
        var written = 0
        var synced = 0
        var syncs = 0
        /// When the scheduled sync is due to start; nil when none is scheduled.
        var due: ContinuousClock.Instant?
        /// When the last background fsync returned.
        var syncedAt: ContinuousClock.Instant?
        /// Set by `finish`: timers that fire later do nothing.
        var finished = false
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
        let fd = open(store.journalPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.io("cannot open \(store.journalPath): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)  // a journal left by an older ogf may be world-readable
        syncFD = dup(fd)
        inner = Mutex(Inner(state: state, fd: fd, lastSync: .now, syncScheduled: false))
        try append(JournalEntry(op: .begin, lineage: state.lineage))
        fsync(fd)
        inner.withLock { $0.synced = $0.written }
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
            s.written += line.count
            if !s.syncScheduled {
                s.syncScheduled = true
                let now = ContinuousClock.now
                let due = max(now, s.lastSync + syncInterval)
                s.due = due
                let delay = due - now
                if delay == .zero {
                    syncQueue.async { [self] in syncJournal() }
                } else {
                    let ns = Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
                    syncQueue.asyncAfter(deadline: .now() + .nanoseconds(ns)) { [self] in syncJournal() }
                }
            }
        }
    }

    /// On the sync queue. Writes that land while fsync runs schedule the next sync themselves
    /// (the flag is cleared first), so none is left behind.
    private func syncJournal() {
        let target: Int? = inner.withLock { s in
            guard !s.finished else { return nil }
            s.syncScheduled = false
            s.due = nil
            s.lastSync = .now
            return s.written
        }
        guard let target, target > inner.withLock({ $0.synced }) else { return }
        fsync(syncFD)
        inner.withLock { s in
            s.synced = max(s.synced, target)
            s.syncs += 1
            s.syncedAt = .now
        }
    }

    /// Journal bytes written, bytes known to be on disk, background fsyncs so far, when the next
    /// one is due and when the last one returned (for tests and benchmarks).
    public var durability: (written: Int, synced: Int, syncs: Int, due: ContinuousClock.Instant?, syncedAt: ContinuousClock.Instant?) {
        inner.withLock { ($0.written, $0.synced, $0.syncs, $0.due, $0.syncedAt) }
    }

    /// Writes the state file with everything recorded, and removes the journal.
    public func finish() throws -> StateFile {
        // A sync already past its check finishes before this returns; later timers see `finished`.
        inner.withLock { $0.finished = true }
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
