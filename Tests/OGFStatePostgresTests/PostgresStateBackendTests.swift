import Foundation
import OGFCore
import OGFState
@testable import OGFStatePostgres
import Testing

/// Against the PostgreSQL of scripts/services/postgres.sh (OGF_TEST_SERVERS=1); each test uses its
/// own schema `ogf_state_t_*` and drops it.
enum PG {
    static let enabled = ProcessInfo.processInfo.environment["OGF_TEST_SERVERS"] == "1"
    static let url = "postgres://ogf:ogf-local-pg-pass@127.0.0.1:55432/offgridflow_local"

    static func schema() -> String { "ogf_state_t_" + UUID().uuidString.prefix(8).lowercased() }

    static func drop(_ schema: String) {
        if let c = try? StateConnection(url: url, password: nil) { _ = try? c.query("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }

    static func resource(_ i: Int) -> ResourceState {
        ResourceState(kind: "exec", attributes: ["command": ["echo", .string("r\(i)")], "token": .string("hmac-sha256:abc")],
                      outputs: ["exit_code": 0], sensitivePaths: ["token"], dependencies: [], appliedAt: Date(timeIntervalSince1970: 1_700_000_000),
                      ogfVersion: OGFVersion.current, durationMs: i)
    }
}

@Suite(.serialized, .enabled(if: PG.enabled)) struct PostgresStateBackendTests {
    @Test func eachPutIsCommittedBeforeItReturnsAndTheApplyMovesTheSerial() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let backend = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        #expect(try await backend.read() == nil)
        let lease = try await backend.lock(operation: "test", timeout: 0)
        defer { lease.release() }
        let (state, recovered) = try await backend.recover(under: lease)
        #expect(recovered == 0)
        #expect(state.serial == 1, "a new environment is created at once, like the file backend's first save")
        let again = try await backend.recover(under: lease).state
        #expect(again.lineage == state.lineage, "the lineage is fixed once created")
        let recorder = try await backend.recorder(for: state, under: lease)
        try await recorder.put(ResourceAddress(kind: "exec", name: "a"), PG.resource(1))
        // Visible from another session at once: a kill now loses nothing.
        let seen = try #require(try await backend.read())
        #expect(seen.resources[ResourceAddress(kind: "exec", name: "a")] == PG.resource(1))
        #expect(seen.serial == 2, "the serial moved once, when the apply's recorder started")
        try await recorder.remove(ResourceAddress(kind: "exec", name: "a"))
        try await recorder.record(HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 1), outcome: .running, planHash: "h", user: "u", host: "h"))
        let final = try await recorder.finish()
        #expect(final.serial == 2)
        let read = try #require(try await backend.read())
        #expect(read.resources.isEmpty)
        #expect(read.history.map(\.id) == [1])
        #expect(read.contentHash == final.contentHash, "what the recorder holds is what is stored")
    }

    @Test func parallelPutsAreEachRecorded() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let backend = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        let lease = try await backend.lock(operation: "test", timeout: 0)
        defer { lease.release() }
        let state = try await backend.recover(under: lease).state
        let recorder = try await backend.recorder(for: state, under: lease)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<200 { g.addTask { try await recorder.put(ResourceAddress(kind: "exec", name: "r\(i)"), PG.resource(i)) } }
            try await g.waitForAll()
        }
        let read = try #require(try await backend.read())
        #expect(read.resources.count == 200)
        #expect(read.serial == 2)
        #expect(recorder.state.serial == 2)
    }

    @Test func theSecondLockerIsToldWhoHoldsItAndAStoppedHeartbeatIsStale() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        var a = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        a.heartbeatInterval = 3600  // no heartbeat during the test
        let held = try await a.lock(operation: "apply plan.out", timeout: 0)
        var b = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        b.staleAfter = 3600
        let t0 = ContinuousClock.now
        do {
            _ = try await b.lock(operation: "plan", timeout: 0)
            Issue.record("the second lock was granted")
        } catch let LockError.heldOnServer(info, _, stale) {
            #expect(info?.id == held.info.id)
            #expect(info?.operation == "apply plan.out")
            #expect(info?.pid == getpid())
            #expect(stale == nil)
        }
        // At once, not after a wait: a lock that waited would wait for the holder (an hour here).
        #expect(ContinuousClock.now - t0 < .seconds(5), "at once")
        b.staleAfter = 0.2
        try await Task.sleep(for: .milliseconds(400))
        do {
            _ = try await b.lock(operation: "plan", timeout: 0)
            Issue.record("the second lock was granted")
        } catch let e as LockError {
            guard case .heldOnServer(_, _, let stale) = e else { Issue.record("\(e)"); return }
            #expect(stale != nil)
            #expect("\(e)".contains("heartbeat stopped"))
        }
        let holder = try #require(try await b.holder())
        #expect(holder.held && holder.info?.id == held.info.id)
        held.release()
        #expect(try await b.holder() == nil)
        // --lock-timeout: waits for the holder instead of failing.
        let again = try await a.lock(operation: "x", timeout: 0)
        Task { try await Task.sleep(for: .milliseconds(300)); again.release() }
        let waited = try await b.lock(operation: "y", timeout: 5)
        waited.release()
    }

    @Test func twoSchemasOnOneServerNeverBlockEachOther() async throws {
        let s1 = PG.schema(), s2 = PG.schema()
        defer { PG.drop(s1); PG.drop(s2) }
        let l1 = try await PostgresStateBackend(url: PG.url, schema: s1, environment: "production").lock(operation: "a", timeout: 0)
        let l2 = try await PostgresStateBackend(url: PG.url, schema: s2, environment: "production").lock(operation: "b", timeout: 0)
        #expect(l1.info.id != l2.info.id)
        #expect(PostgresStateBackend(url: PG.url, schema: s1, environment: "production").lockKey(database: "d")
            != PostgresStateBackend(url: PG.url, schema: s2, environment: "production").lockKey(database: "d"))
        #expect(PostgresStateBackend(url: PG.url, schema: s1, environment: "production").lockKey(database: "d1")
            != PostgresStateBackend(url: PG.url, schema: s1, environment: "production").lockKey(database: "d2"))
        l1.release()
        l2.release()
    }

    @Test func replaceCopiesStateExactly() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        var state = StateFile(environment: "prod")
        state.serial = 17
        for i in 0..<50 { state.resources[ResourceAddress(kind: "exec", name: "r\(i)")] = PG.resource(i) }
        state.history = [HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 5), finishedAt: Date(timeIntervalSince1970: 9),
                                      outcome: .succeeded, planHash: "p", user: "u", host: "h", succeeded: 50)]
        let backend = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        let lease = try await backend.lock(operation: "migrate", timeout: 0)
        defer { lease.release() }
        try await backend.replace(with: state, under: lease)
        try await backend.replace(with: state, under: lease)  // a re-run
        let copy = try #require(try await backend.read())
        #expect(try copy.canonicalJSON() == state.canonicalJSON())
        try await backend.markMoved(to: "state/prod.json", under: lease)
        await #expect(throws: PostgresStateError.self) { try await backend.read() }
    }

    @Test func connectionFailuresAreClearAndNeverShowThePassword() async throws {
        let canary = "canary-Pw-91c2"
        let wrong = PostgresStateBackend(url: "postgres://ogf:\(canary)@127.0.0.1:55432/offgridflow_local", schema: "ogf_state_t_never", environment: "e")
        do {
            _ = try await wrong.read()
            Issue.record("connected with a wrong password")
        } catch {
            #expect("\(error)".contains("password authentication failed"))
            #expect(!"\(error)".contains(canary))
        }
        let down = PostgresStateBackend(url: "postgres://ogf:\(canary)@127.0.0.1:1/offgridflow_local", schema: "ogf_state_t_never", environment: "e")
        do {
            _ = try await down.read()
            Issue.record("connected to port 1")
        } catch {
            #expect("\(error)".contains("cannot reach the state database at 127.0.0.1:1/offgridflow_local"))
            #expect(!"\(error)".contains(canary))
        }
    }

    @Test func aRoleWithoutCreateOnTheDatabaseIsToldWhatToGrant() async throws {
        let role = "ogf_state_t_nocreate_" + UUID().uuidString.prefix(6).lowercased()
        let admin = try StateConnection(url: "postgres://postgres:ogf-local-pg-admin@127.0.0.1:55432/offgridflow_local", password: nil)
        try admin.query("CREATE ROLE \(role) LOGIN PASSWORD 'ogf-state-test-pw'")
        defer {
            _ = try? admin.query("DROP OWNED BY \(role)")
            _ = try? admin.query("DROP ROLE IF EXISTS \(role)")
        }
        let b = PostgresStateBackend(url: "postgres://\(role):ogf-state-test-pw@127.0.0.1:55432/offgridflow_local", schema: PG.schema(), environment: "e")
        do {
            _ = try await b.read()
            Issue.record("created a schema without the privilege")
        } catch {
            #expect("\(error)".contains("may not create schema"), "\(error)")
            #expect("\(error)".contains("GRANT CREATE ON DATABASE"))
        }
    }
}
