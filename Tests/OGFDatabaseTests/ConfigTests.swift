import Foundation
import OGFCore
import OGFSupport
import Testing
@testable import OGFDatabase

/// Typed configuration: a field the database kinds cannot use is a diagnostic at that field, at
/// plan time, before any connection; a secret never reaches its message.
@Suite struct DatabaseConfigTests {
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
    let schemaKind = PostgresSchemaKind(processes: SpawnProcessRunner())
    let backupKind = PostgresBackupKind(processes: SpawnProcessRunner())

    /// The diagnostic a plan throws, or nil when it planned.
    func planDiagnostic(_ kind: any ResourceKind, _ config: [String: Value]) async -> Diagnostic? {
        do {
            _ = try await kind.plan(config, ctx)
            return nil
        } catch let d as Diagnostic {
            return d
        } catch {
            Issue.record("not a diagnostic: \(error)")
            return nil
        }
    }

    @Test func schemaURLThatIsNotPostgresIsAFieldError() async throws {
        let d = await planDiagnostic(schemaKind, ["url": .sensitive("mysql://app:pw-hidden@127.0.0.1/app"), "migrations": "db/migrations"])
        #expect(d?.field == "url")
        #expect(d?.code == .invalidField)
        #expect(d?.summary.contains("must be a postgres:// URL") == true, "\(d?.summary ?? "")")
        #expect(d?.summary.contains("got a mysql:// URL") == true, "\(d?.summary ?? "")")
        #expect(d?.summary.contains("pw-hidden") == false)
    }

    @Test func schemaBadSSLModeIsAFieldError() async throws {
        let d = await planDiagnostic(schemaKind, ["url": .sensitive("postgres://app:pw-hidden@127.0.0.1/app?sslmode=maybe"), "migrations": "db/migrations"])
        #expect(d?.field == "url")
        #expect(d?.code == .invalidField)
        #expect(d?.summary.contains("sslmode \"maybe\" is not one of") == true, "\(d?.summary ?? "")")
        #expect(d?.summary.contains("pw-hidden") == false)
    }

    @Test func schemaBackupAddressIsAFieldErrorEvenWhileTheURLIsUnknown() async throws {
        let d = await planDiagnostic(schemaKind, ["url": .unknown, "migrations": "db/migrations", "backup": "postgres_backup.pre"])
        #expect(d?.field == "backup")
        #expect(d?.code == .invalidField)
        #expect(d?.summary.contains("write \"${postgres_backup.pre.path}\"") == true, "\(d?.summary ?? "")")
    }

    @Test func schemaWithAnUnknownURLIsKnownAfterApply() async throws {
        let r = try await schemaKind.plan(["url": .unknown, "migrations": "db/migrations", "backup": .unknown], ctx)
        #expect(r.action == .create)
        #expect(r.reasons == ["the URL is known only after apply"])
    }

    @Test func schemaWrongTypeIsAFieldError() async throws {
        let d = await planDiagnostic(schemaKind, ["url": "postgres://127.0.0.1/app", "migrations": "db/migrations", "shadow": "sometimes"])
        #expect(d?.field == "shadow")
        #expect(d?.code == .wrongType)
    }

    @Test func backupNegativeKeepIsAFieldError() async throws {
        let d = await planDiagnostic(backupKind, ["url": .sensitive("postgres://app:pw@127.0.0.1/app"), "keep": -1])
        #expect(d?.field == "keep")
        #expect(d?.code == .invalidField)
        #expect(d?.summary.contains("must be at least 1, got -1") == true, "\(d?.summary ?? "")")
    }

    @Test func backupURLThatIsNotPostgresIsAFieldErrorAtApplyToo() async throws {
        do {
            _ = try await backupKind.apply(["url": "http://127.0.0.1/app"], ctx)
            Issue.record("applied with an http:// URL")
        } catch let d as Diagnostic {
            #expect(d.field == "url")
            #expect(d.code == .invalidField)
        }
    }

    @Test func backupWithAnUnknownURLStillShowsItsSettings() async throws {
        let r = try await backupKind.plan(["url": .unknown, "keep": 3], ctx)
        #expect(r.action == .create)
        #expect(r.details == ["pg_dump --format=custom into backups/test/, verified with pg_restore --list; keeps the newest 3"])
    }

    @Test func checkAndQueryFieldsAreCheckedAtPlan() async throws {
        let q = await planDiagnostic(PostgresQueryKind(), ["url": "postgres://127.0.0.1/app", "query": "SELECT 1", "runs": 0])
        #expect(q?.field == "runs")
        let c = await planDiagnostic(PostgresCheckKind(), ["url": "redis://127.0.0.1"])
        #expect(c?.field == "url")
        let t = await planDiagnostic(PostgresCheckKind(), ["url": "postgres://127.0.0.1/app", "timeout": "soon"])
        #expect(t?.field == "timeout")
        #expect(t?.code == .wrongType)
    }

    @Test func redisFieldsAreCheckedAtPlan() async throws {
        let u = await planDiagnostic(RedisCheckKind(), ["url": .sensitive("http://default:pw-hidden@127.0.0.1:6379")])
        #expect(u?.field == "url")
        #expect(u?.summary.contains("pw-hidden") == false)
        let p = await planDiagnostic(RedisCheckKind(), ["port": 70000])
        #expect(p?.field == "port")
        let r = await planDiagnostic(RedisCacheHitRateKind(), ["min_hit_rate": 1.5])
        #expect(r?.field == "min_hit_rate")
        let ok = try await RedisCheckKind().plan(["url": .unknown], ctx)
        #expect(ok.action == .check)
    }
}
