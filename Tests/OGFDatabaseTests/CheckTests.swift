import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OGFCore
import Testing
@testable import OGFDatabase

/// postgres_check and postgres_query against the real PostgreSQL.
@Suite struct PostgresCheckTests {
    let kind = PostgresCheckKind()
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])

    @Test func reportsVersionLatencyExtensionsAndCreatePrivilege() async throws {
        let r = try await kind.apply(["url": .sensitive(.string(Servers.url("offgridflow_local"))), "extensions": ["plpgsql"],
                                      "create_in_schema": "public", "min_server_version": 15], ctx)
        #expect(r.outputs["server_version"]?.stringValue?.hasPrefix("15.") == true)
        #expect(r.outputs["latency_ms"]?.doubleValue != nil)
        let f = await kind.applyFailure(["url": .sensitive(.string(Servers.url("offgridflow_local"))), "extensions": ["plpgsql", "postgis"]], ctx)
        #expect(f?.message.contains("missing extension: postgis") == true)
    }

    @Test func clearErrorsWithThePasswordMasked() async throws {
        let wrong = await kind.applyFailure(["url": .sensitive(.string(Servers.url("offgridflow_local", password: "hunter2-wrong")))], ctx)
        #expect(wrong?.message.contains("wrong password for user ogf") == true)
        #expect(wrong?.message.contains("hunter2-wrong") == false)
        let unknownDB = await kind.applyFailure(["url": .sensitive(.string(Servers.url("no_such_db_here")))], ctx)
        #expect(unknownDB?.message.contains("unknown database \"no_such_db_here\"") == true, "\(unknownDB?.message ?? "")")
        let refused = await kind.applyFailure(["url": .sensitive(.string("postgres://ogf:pw-secret@127.0.0.1:1/x"))], ctx)
        #expect(refused?.message.contains("connection refused") == true)
        #expect(refused?.message.contains("pw-secret") == false)
        let tls = await kind.applyFailure(["url": .sensitive(.string(Servers.url("offgridflow_local") + "?sslmode=require"))], ctx)
        #expect(tls?.message.contains("TLS") == true, "\(tls?.message ?? "")")
    }

    @Test func roleWithoutCreateCannotRunMigrations() async throws {
        let admin = try PostgresConnection(url: Servers.pgAdminURL)
        let role = "ogf_readonly_\(UInt16.random(in: 0...UInt16.max))"
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'ro-pass'")
        defer { _ = try? admin.execute("DROP ROLE \(role)") }
        let url = "postgres://\(role):ro-pass@127.0.0.1:\(Servers.pgPort)/offgridflow_local"
        let f = await kind.applyFailure(["url": .sensitive(.string(url)), "create_in_schema": "public"], ctx)
        #expect(f?.message.contains("may not CREATE in schema public") == true, "\(f?.message ?? "")")
    }

    @Test func queryPercentilesAgainstThresholds() async throws {
        let q = PostgresQueryKind()
        let url = Value.sensitive(.string(Servers.url("offgridflow_local")))
        let ok = try await q.apply(["url": url, "query": "SELECT 1", "runs": 10, "max_p95": "1s"], ctx)
        #expect((ok.outputs["p50_ms"]?.doubleValue ?? 99) < 1000)
        let slow = await q.applyFailure(["url": url, "query": "SELECT pg_sleep(0.02)", "runs": 3, "warmup": 0, "max_p50": "5ms"], ctx)
        #expect(slow?.message.contains("> max_p50 5ms") == true, "\(slow?.message ?? "")")
        #expect(PostgresQueryKind.percentile([5, 1, 4, 2, 3], 50) == 3)
        #expect(PostgresQueryKind.percentile(Array(1...20).map(Double.init), 95) == 19)
    }
}

/// A loopback TCP port that accepts connections (the kernel's backlog) but never answers.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ResourceFailure("cannot listen on loopback") }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

@Suite struct TimeoutTests {
    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let silent = try SilentListener()
        let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
        let pg = await PostgresCheckKind().applyFailure(["url": .sensitive(.string("postgres://ogf:pw-timeout@127.0.0.1:\(silent.port)/x")), "timeout": "1s"], ctx)
        #expect(pg?.message.contains("timed out after") == true, "\(pg?.message ?? "")")
        #expect(pg?.message.contains("pw-timeout") == false)
        let redis = await RedisCheckKind().applyFailure(["port": .int(silent.port), "password": .sensitive("pw-timeout"), "timeout": "1s"], ctx)
        #expect(redis?.message.contains("timed out") == true, "\(redis?.message ?? "")")
        #expect(redis?.message.contains("pw-timeout") == false)
    }
}
