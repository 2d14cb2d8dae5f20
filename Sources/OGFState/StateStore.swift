import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes `state/<ENV>.json`, its backup and its journal.
///
/// During an apply each finished resource is appended to `state/<ENV>.journal` (one JSON line,
/// written before the next resource is reported done), so a crash or kill loses no completed
/// work; the journal is folded into the state file when the apply ends, or by the next command
/// that takes the lock. Cost stays linear: one line per resource, one full write per apply.
public struct StateStore: Sendable {
    public var directory: String
    public var environment: String

    public init(directory: String, environment: String) {
        self.directory = directory
        self.environment = environment
    }

    public var path: String { (directory as NSString).appendingPathComponent("\(environment).json") }
    public var backupPath: String { path + ".backup" }
    public var journalPath: String { (directory as NSString).appendingPathComponent("\(environment).journal") }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The state with any journal replayed on top (`recovered` says whether there was one).
    /// A missing file gives a fresh, unsaved state.
    public func load() throws -> (state: StateFile, recovered: Int) {
        var state: StateFile
        if let data = FileManager.default.contents(atPath: path) {
            do {
                state = try StateJSONDecoder().decode(StateFile.self, from: data)
            } catch let e as StateError {
                throw e
            } catch {
                throw StateError.corrupt("\(path) cannot be read (\(error)). The previous version is in \(backupPath).")
            }
        } else {
            state = StateFile(environment: environment)
        }
        let n = try replayJournal(into: &state)
        return (state, n)
    }

    /// Writes the whole state (serial + 1) and removes the journal it includes.
    public func save(_ state: inout StateFile) throws {
        state.serial += 1
        state.ogfVersion = OGFVersion.current
        let data = try Self.encoder.encode(state)
        try AtomicFile.write(data, to: path, backup: backupPath)
        unlink(journalPath)
    }

    /// Writes `state` exactly as given (serial and ogf version kept) and removes any journal:
    /// `ogf state migrate` copying another backend's state here.
    public func replace(with state: StateFile) throws {
        let data = try Self.encoder.encode(state)
        try AtomicFile.write(data, to: path, backup: backupPath)
        unlink(journalPath)
    }

    /// Folds a journal left by an interrupted apply into the state file. A new environment's
    /// state is saved at once, so its lineage stays the same for a saved plan and for the journal
    /// of a first apply that gets killed (otherwise each load would invent a new lineage).
    public func compactIfNeeded() throws -> (state: StateFile, recovered: Int) {
        var (state, n) = try load()
        if n > 0 || FileManager.default.fileExists(atPath: journalPath) || !exists {
            try save(&state)
        }
        return (state, n)
    }

    func replayJournal(into state: inout StateFile) throws -> Int {
        guard let data = FileManager.default.contents(atPath: journalPath), !data.isEmpty else { return 0 }
        var count = 0
        var first = true
        let lines = data.split(separator: UInt8(ascii: "\n"))
        for (i, line) in lines.enumerated() {
            // A line cut short by a kill mid-write is the last one; everything before it counts.
            // Any other line that does not read is damage that skipping would turn into loss.
            let entry: JournalEntry
            do { entry = try StateJSONDecoder().decode(JournalEntry.self, from: Data(line)) } catch {
                if i == lines.count - 1 { continue }
                throw StateError.corrupt("\(journalPath): line \(i + 1) of \(lines.count) cannot be read (\(error)); move the journal away to continue, or repair that line")
            }
            if first {
                first = false
                guard entry.op == .begin, entry.lineage == state.lineage else {
                    throw StateError.corrupt("\(journalPath) belongs to another state lineage; move it away to continue")
                }
                continue
            }
            switch entry.op {
            case .begin: break
            case .put:
                if let a = entry.address, let r = entry.resource { state.resources[a] = r }
            case .remove:
                if let a = entry.address { state.resources[a] = nil }
            case .history:
                if let h = entry.history {
                    if let i = state.history.firstIndex(where: { $0.id == h.id }) { state.history[i] = h } else { state.history.append(h) }
                }
            }
            count += 1
        }
        return count
    }

    /// Byte for byte what `JSONEncoder` wrote with `[.prettyPrinted, .sortedKeys,
    /// .withoutEscapingSlashes]` and `.iso8601` dates (see `StateJSONEncoder`).
    static let encoder = StateJSONEncoder(pretty: true)

    /// The same without `.prettyPrinted`: one journal line per entry.
    static let lineEncoder = StateJSONEncoder(pretty: false)
}

/// One line of the journal.
struct JournalEntry: Codable {
    enum Op: String, Codable { case begin, put, remove, history }
    var op: Op
    var lineage: String?
    var address: ResourceAddress?
    var resource: ResourceState?
    var history: HistoryEntry?
}
