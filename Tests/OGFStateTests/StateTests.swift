import Foundation
import OGFCore
import OGFPlan
import Testing
@testable import OGFState

func tempDir() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-state-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func resource(_ n: Int) -> ResourceState {
    ResourceState(kind: "exec", attributes: ["command": ["echo", .string("\(n)")]], outputs: ["exit_code": 0], sensitivePaths: [],
                  dependencies: [], appliedAt: Date(timeIntervalSince1970: 1_700_000_000), ogfVersion: OGFVersion.current, durationMs: 5)
}

@Suite struct StateStoreTests {
    @Test func saveIsAtomicAndKeepsABackup() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        var (s, _) = try store.load()
        #expect(s.serial == 0)
        s.resources[ResourceAddress(kind: "exec", name: "a")] = resource(1)
        try store.save(&s)
        #expect(s.serial == 1)
        s.resources[ResourceAddress(kind: "exec", name: "b")] = resource(2)
        try store.save(&s)
        let backup = try JSONDecoder().decode([String: Value].self, from: Data(contentsOf: URL(fileURLWithPath: store.backupPath)))
        #expect(backup["serial"] == 1)
        let loaded = try store.load().state
        #expect(loaded.serial == 2)
        #expect(loaded.resources.count == 2)
        #expect(loaded.lineage == s.lineage)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.directory).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func stateJournalLockAndPlanFilesArePrivate() throws {
        let dir = tempDir()
        let store = StateStore(directory: dir, environment: "prod")
        // Left by an older ogf with a world-readable journal: tightened when written again.
        FileManager.default.createFile(atPath: store.journalPath, contents: nil, attributes: [.posixPermissions: 0o644])
        var (s, _) = try store.load()
        try store.save(&s)
        let lock = try StateLock.acquire(directory: dir, environment: "prod", operation: "test", timeout: 0)
        defer { lock.release() }
        let writer = try StateWriter(store: store, state: s)
        try writer.put(ResourceAddress(kind: "exec", name: "a"), resource(1))
        func mode(_ p: String) throws -> Int? { try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int }
        #expect(try mode(store.journalPath) == 0o600)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        for f in files { #expect(try mode(dir + "/" + f) == 0o600, "\(f)") }
        #expect(files.contains { $0.hasSuffix(".lock") } && files.contains { $0.hasSuffix(".json") })
        _ = try writer.finish()
        #expect(try mode(store.path) == 0o600)
        #expect(try mode(store.backupPath) == 0o600)
        let plan = Plan(environment: "prod", isProtected: false, createdAt: Date(), stateLineage: s.lineage, stateSerial: s.serial,
                        inputDigest: "x", targets: [], refresh: true, changes: [], warnings: [])
        try PlanFile.write(plan, to: dir + "/p.out")
        #expect(try mode(dir + "/p.out") == 0o600)
    }

    @Test func journalSurvivesAKilledWriterIncludingATornLastLine() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        var (s, _) = try store.load()
        try store.save(&s)
        let writer = try StateWriter(store: store, state: s)
        for i in 0..<5 { try writer.put(ResourceAddress(kind: "exec", name: "r\(i)"), resource(i)) }
        // Simulate a kill in the middle of writing a sixth line.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: store.journalPath))
        h.seekToEndOfFile()
        h.write(Data("{\"op\":\"put\",\"address\":\"exec.r5\",\"reso".utf8))
        try h.close()
        let (recovered, n) = try store.load()
        #expect(n == 5)
        #expect(recovered.resources.count == 5)
        let (compacted, _) = try store.compactIfNeeded()
        #expect(compacted.serial == s.serial + 1)
        #expect(!FileManager.default.fileExists(atPath: store.journalPath))
        #expect(try store.load().state.resources.count == 5)
    }

    @Test func aDamagedLineBeforeTheLastIsAnErrorNotASilentLoss() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        var (s, _) = try store.load()
        try store.save(&s)
        let writer = try StateWriter(store: store, state: s)
        try writer.put(ResourceAddress(kind: "exec", name: "r0"), resource(0))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: store.journalPath))
        h.seekToEndOfFile()
        h.write(Data("garbage that is not an entry\n".utf8))
        try h.close()
        try writer.put(ResourceAddress(kind: "exec", name: "r1"), resource(1))
        #expect { try store.load() } throws: { "\($0)".contains("line 3 of 4 cannot be read") }
    }

    @Test func journalFromAnotherLineageIsRefused() throws {
        let dir = tempDir()
        let store = StateStore(directory: dir, environment: "prod")
        var (s, _) = try store.load()
        try store.save(&s)
        let other = StateFile(environment: "prod")
        let writer = try StateWriter(store: store, state: other)
        try writer.put(ResourceAddress(kind: "exec", name: "x"), resource(1))
        #expect(throws: StateError.self) { try store.load() }
    }

    /// The last write of a rollout must reach the disk within the sync interval even when no
    /// later write comes to trigger the sync. Timed with the writer's own clock readings, so a
    /// test thread that wakes up late (the full suite keeps the cooperative threads busy) cannot
    /// make it fail; it polls on its own thread, not with Task.sleep.
    @Test func aLoneWriteIsSyncedWithinTheIntervalWithoutFurtherWrites() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        let writer = try StateWriter(store: store, state: try store.load().state, syncInterval: .milliseconds(50))
        #expect(writer.durability.synced == writer.durability.written, "the begin line is synced by init")
        // Right after init (its own sync), then again right after a background sync: both
        // writes come less than an interval after the previous sync.
        for name in ["a", "b"] {
            let before = ContinuousClock.now
            try writer.put(ResourceAddress(kind: "exec", name: name), resource(1))
            // The sync that covers it is due within the interval of the write (unless it is
            // already running or done on a loaded machine)...
            if let due = writer.durability.due { #expect(due <= ContinuousClock.now + .milliseconds(50)) }
            // ...and it lands soon after, with no further write.
            try #require(Self.waitUntilSynced(writer, within: .seconds(5)))
            let syncedAt = try #require(writer.durability.syncedAt)
            #expect(syncedAt - before < .milliseconds(200), "\(name) was synced \(syncedAt - before) after it was written")
        }
        _ = try writer.finish()
    }

    /// Polls (on this thread) until everything written was fsynced; false after `limit`.
    static func waitUntilSynced(_ writer: StateWriter, within limit: Duration) -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            let d = writer.durability
            if d.synced == d.written { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let d = writer.durability
        Issue.record("\(d.written - d.synced) journal bytes still unsynced \(limit) after the write (\(d.syncs) background syncs)")
        return false
    }

    /// Batching stays: a burst of writes costs about one fsync per interval, not one per write.
    @Test func aBurstOfWritesIsSyncedInBatches() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        let writer = try StateWriter(store: store, state: try store.load().state, syncInterval: .milliseconds(50))
        let start = ContinuousClock.now
        for i in 0..<2000 { try writer.put(ResourceAddress(kind: "exec", name: "r\(i)"), resource(i)) }
        let elapsed = ContinuousClock.now - start
        try #require(Self.waitUntilSynced(writer, within: .seconds(5)))
        let syncs = writer.durability.syncs
        #expect(syncs >= 1)
        #expect(Double(syncs) <= elapsed / .milliseconds(50) + 2, "\(syncs) fsyncs for 2000 writes in \(elapsed)")
        _ = try writer.finish()
    }

    @Test func finishWritesOnceAndRemovesTheJournal() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        let writer = try StateWriter(store: store, state: try store.load().state)
        try writer.put(ResourceAddress(kind: "exec", name: "a"), resource(1))
        try writer.remove(ResourceAddress(kind: "exec", name: "a"))
        try writer.put(ResourceAddress(kind: "exec", name: "b"), resource(2))
        let final = try writer.finish()
        #expect(final.serial == 1)
        #expect(Array(final.resources.keys) == [ResourceAddress(kind: "exec", name: "b")])
        #expect(!FileManager.default.fileExists(atPath: store.journalPath))
    }

    @Test func unsupportedFormatVersionSaysWhatToDo() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        try Data(#"{"format_version": 99}"#.utf8).write(to: URL(fileURLWithPath: store.path))
        do {
            _ = try store.load()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("state format version 99 is not supported"))
        }
    }

    @Test func corruptStatePointsAtTheBackup() throws {
        let store = StateStore(directory: tempDir(), environment: "prod")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: store.path))
        do {
            _ = try store.load()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(store.backupPath))
        }
    }
}

@Suite struct LockTests {
    @Test func secondHolderFailsAtOnceSayingWho() throws {
        let dir = tempDir()
        let first = try StateLock.acquire(directory: dir, environment: "prod", operation: "apply")
        let start = Date()
        do {
            _ = try StateLock.acquire(directory: dir, environment: "prod", operation: "plan")
            Issue.record("expected the lock to be held")
        } catch let LockError.held(info?, _) {
            #expect(info.id == first.info.id)
            #expect(info.operation == "apply")
            #expect(info.pid == getpid())
        }
        #expect(Date().timeIntervalSince(start) < 1)
        first.release()
        let again = try StateLock.acquire(directory: dir, environment: "prod", operation: "plan")
        #expect(again.staleInfo == nil)
        again.release()
    }

    @Test func waitsForTheLockTimeout() async throws {
        let dir = tempDir()
        let first = try StateLock.acquire(directory: dir, environment: "prod", operation: "apply")
        // A thread, not a task: acquire polls with a blocking sleep.
        Thread.detachNewThread {
            usleep(300_000)
            first.release()
        }
        let second = try StateLock.acquire(directory: dir, environment: "prod", operation: "plan", timeout: 5)
        #expect(second.info.operation == "plan")
        second.release()
    }

    @Test func aDeadHoldersInfoIsReportedAsStale() throws {
        let dir = tempDir()
        // What a killed ogf leaves: its info in the file, but no kernel lock (released with the process).
        let dead = LockInfo(id: "dead-1", operation: "apply", user: "ci", host: ProcessIdentity.host, pid: 999_999,
                            createdAt: Date(), ogfVersion: OGFVersion.current)
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        try e.encode(dead).write(to: URL(fileURLWithPath: dir + "/prod.lock"))
        #expect(dead.holderIsGone)
        let lock = try StateLock.acquire(directory: dir, environment: "prod", operation: "plan")
        #expect(lock.staleInfo?.id == "dead-1")
        lock.release()
    }

    @Test func forceUnlockNeedsTheRightID() throws {
        let dir = tempDir()
        let held = try StateLock.acquire(directory: dir, environment: "prod", operation: "apply")
        #expect(throws: LockError.self) { try StateLock.forceUnlock(directory: dir, environment: "prod", id: "wrong") }
        let info = try StateLock.forceUnlock(directory: dir, environment: "prod", id: held.info.id)
        #expect(info.id == held.info.id)
        // The environment can be locked again although the old holder still has its (unlinked) file.
        let next = try StateLock.acquire(directory: dir, environment: "prod", operation: "plan")
        next.release()
        held.release()
    }
}

@Suite struct PlanFileTests {
    func plan(version: String = OGFVersion.current) -> Plan {
        Plan(ogfVersion: version, environment: "prod", isProtected: true, createdAt: Date(timeIntervalSince1970: 0), stateLineage: "l", stateSerial: 3,
             inputDigest: "d", targets: [], refresh: true,
             changes: [ResourceChange(address: ResourceAddress(kind: "exec", name: "a"), role: .managed, action: .create, reasons: [],
                                      before: nil, after: ["command": ["true"], "token": .redacted("hmac-sha256:ab")], replacePaths: [],
                                      plannedOutputs: ["exit_code": .unknown], dependencies: [], details: [])],
             warnings: [])
    }

    @Test func roundTrips() throws {
        let path = tempDir() + "/plan.out"
        try PlanFile.write(plan(), to: path)
        let back = try PlanFile.read(path)
        #expect(back.changes == plan().changes)
        #expect(back.hash == plan().hash)
    }

    @Test func refusesAnotherVersion() throws {
        let path = tempDir() + "/plan.out"
        try PlanFile.write(plan(version: "0.0.1"), to: path)
        #expect { try PlanFile.read(path) } throws: { "\($0)".contains("was made by ogf 0.0.1") }
    }

    @Test func refusesSomethingElse() throws {
        let path = tempDir() + "/plan.out"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try PlanFile.read(path) } throws: { "\($0)".contains("is not an ogf plan file") }
        #expect { try PlanFile.read(path + ".missing") } throws: { "\($0)".contains("does not exist") }
    }
}
