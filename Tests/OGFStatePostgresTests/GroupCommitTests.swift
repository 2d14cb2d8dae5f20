import Foundation
import OGFCore
import OGFState
@testable import OGFStatePostgres
import Testing

/// Group commit: writes that arrive together share one transaction, and a batch that fails commits
/// nothing. Against the real PostgreSQL 15.
@Suite(.serialized, .enabled(if: PG.enabled)) struct GroupCommitTests {
    @Test func oneTransactionPipelinesShareATransactionAndSyncedOnesDoNot() throws {
        let c = try StateConnection(url: PG.url, password: nil)
        let three = Array(repeating: (sql: "SELECT txid_current()::text", params: [String?]()), count: 3)
        func ids(_ r: [Result<[[String?]], StateDatabaseError>]) throws -> [String] { try r.map { try $0.get().first?.first.flatMap { $0 } ?? "" } }
        let together = try ids(c.pipeline(three, oneTransaction: true, prepared: false))
        #expect(Set(together).count == 1, "\(together)")
        let apart = try ids(c.pipeline(three, oneTransaction: false, prepared: false))
        #expect(Set(apart).count == 3, "\(apart)")
        #expect(try c.query("SELECT 1").first?.first == "1", "the session is usable afterwards")
    }

    @Test func aBatchWithAFailingWriteCommitsNothingAndTheSessionGoesOn() throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let c = try StateConnection(url: PG.url, password: nil)
        try c.query("CREATE SCHEMA \(schema)")
        try c.query("CREATE TABLE \(schema).t (v text PRIMARY KEY)")
        try c.query("CREATE FUNCTION \(schema).refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF NEW.v = 'bad' THEN RAISE EXCEPTION 'refused %', NEW.v; END IF; RETURN NEW; END $f$")
        try c.query("CREATE TRIGGER refuse BEFORE INSERT ON \(schema).t FOR EACH ROW EXECUTE FUNCTION \(schema).refuse()")
        try c.prepare("ins", "INSERT INTO \(schema).t VALUES ($1) RETURNING 1")
        let batch = ["a", "bad", "c"].map { (sql: "ins", params: [String?]([$0])) }
        let results = try c.pipeline(batch, oneTransaction: true)
        #expect(results.count == 3)
        for r in results {
            guard case .failure(let e) = r else { Issue.record("a write of the failed batch succeeded"); continue }
            #expect(e.message.contains("refused bad"), "every write reports the batch's cause: \(e)")
            #expect(!e.isConnectionLoss)
        }
        #expect(try c.query("SELECT count(*) FROM \(schema).t").first?.first == "0", "nothing of the batch was committed")
        let good = try c.pipeline(["a", "b"].map { (sql: "ins", params: [String?]([$0])) }, oneTransaction: true)
        #expect(good.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(try c.query("SELECT string_agg(v, ',' ORDER BY v) FROM \(schema).t").first?.first == "a,b")
    }

    @Test func concurrentPutsAreEachCommittedBeforeTheyReturn() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        for perWrite in [false, true] {
            var backend = PostgresStateBackend(url: PG.url, schema: schema, environment: perWrite ? "apart" : "together")
            backend.transactionPerWrite = perWrite
            let lease = try await backend.lock(operation: "test", timeout: 0)
            let state = try await backend.recover(under: lease).state
            let recorder = try await backend.recorder(for: state, under: lease)
            let reader = PostgresStateBackend(url: PG.url, schema: schema, environment: backend.environment)
            // Each worker checks from another session that its write is there once put returns.
            try await withThrowingTaskGroup(of: Void.self) { g in
                for w in 0..<8 {
                    g.addTask {
                        for i in stride(from: w, to: 80, by: 8) {
                            let a = ResourceAddress(kind: "exec", name: "r\(i)")
                            try await recorder.put(a, PG.resource(i))
                            if i % 16 == w { #expect(try await reader.read()?.resources[a] == PG.resource(i), "\(a) visible once put returned") }
                        }
                    }
                }
                try await g.waitForAll()
            }
            #expect(try await reader.read()?.resources.count == 80)
            lease.release()
        }
    }

    @Test func writesAreAcknowledgedBeforeTheDiskAndFinishFlushesThemAll() async throws {
        let schema = PG.schema()
        defer { PG.drop(schema) }
        let backend = PostgresStateBackend(url: PG.url, schema: schema, environment: "prod")
        let lease = try await backend.lock(operation: "test", timeout: 0)
        defer { lease.release() }
        let state = try await backend.recover(under: lease).state
        let recorder = try #require(try await backend.recorder(for: state, under: lease) as? PostgresStateRecorder)
        func setting() async throws -> String? {
            try await recorder.connection.run { try $0.query("SHOW synchronous_commit").first?.first ?? nil }
        }
        #expect(try await setting() == "off", "the apply's writes do not wait for the disk")
        for i in 0..<20 { try await recorder.put(ResourceAddress(kind: "exec", name: "r\(i)"), PG.resource(i)) }
        let written = try #require(try await recorder.connection.run { try $0.query("SELECT pg_current_wal_insert_lsn()::text").first?.first ?? nil })
        _ = try await recorder.finish()
        #expect(try await setting() == "on", "the session's default again")
        let flushed = try await recorder.connection.run {
            try $0.query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", [written]).first?.first ?? nil
        }
        #expect(flushed == "t", "finish flushed the WAL of every write before it")
        #expect(try await backend.read()?.resources.count == 20)
        // The benchmark's fully synchronous variant never turns it off.
        var sync = PostgresStateBackend(url: PG.url, schema: schema, environment: "other")
        sync.synchronousCommits = true
        let l2 = try await sync.lock(operation: "test", timeout: 0)
        defer { l2.release() }
        let r2 = try #require(try await sync.recorder(for: try await sync.recover(under: l2).state, under: l2) as? PostgresStateRecorder)
        #expect(try await r2.connection.run { try $0.query("SHOW synchronous_commit").first?.first ?? nil } == "on")
    }
}
