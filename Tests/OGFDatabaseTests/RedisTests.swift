import Foundation
import OGFCore
import Testing
@testable import OGFDatabase

/// redis_check and redis_cache_hit_rate against the real Redis from scripts/services/redis.sh.
@Suite(.serialized) struct RedisTests {
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/tmp", variables: [:])
    let check = RedisCheckKind()
    let rate = RedisCacheHitRateKind()

    func admin() throws -> RESPClient {
        let c = try RESPClient(host: "127.0.0.1", port: Servers.redisPort, timeout: 2)
        #expect(try c.send(["AUTH", Servers.redisPassword]) == .simple("OK"))
        return c
    }

    @Test func pingVersionAndLatencyWithPasswordOrACLUser() async throws {
        let r = try await check.apply(["url": .sensitive(.string(Servers.redisURL)), "min_version": "7.0"], ctx)
        #expect(r.outputs["version"]?.stringValue?.hasPrefix("7.") == true)
        #expect(r.outputs["latency_ms"]?.doubleValue != nil)
        let acl = try await check.apply(["host": "127.0.0.1", "port": .int(Servers.redisPort), "user": "ogf-check",
                                         "password": .sensitive("ogf-local-redis-acl")], ctx)
        #expect(acl.summary?.contains("PONG") == true)
    }

    @Test func wrongPasswordMissingPasswordAndRefusedConnection() async throws {
        let wrong = await check.applyFailure(["url": .sensitive(.string("redis://default:nope-wrong-pass@127.0.0.1:\(Servers.redisPort)"))], ctx)
        #expect(wrong?.message.contains("authentication failed for user default") == true, "\(wrong?.message ?? "")")
        #expect(wrong?.message.contains("nope-wrong-pass") == false)
        let badACL = await check.applyFailure(["port": .int(Servers.redisPort), "user": "ogf-check", "password": .sensitive("bad")], ctx)
        #expect(badACL?.message.contains("authentication failed for user ogf-check") == true)
        let none = await check.applyFailure(["port": .int(Servers.redisPort)], ctx)
        #expect(none?.message.contains("requires a password") == true, "\(none?.message ?? "")")
        let refused = await check.applyFailure(["port": 1], ctx)
        #expect(refused?.message.contains("Connection refused") == true, "\(refused?.message ?? "")")
    }

    @Test func hitRateIsInconclusiveBelowMinLookupsNeverAPass() async throws {
        let a = try admin()
        _ = try a.send(["CONFIG", "RESETSTAT"])
        _ = try a.send(["SET", "k", "v"])
        for _ in 0..<5 { _ = try a.send(["GET", "k"]) }
        let f = await rate.applyFailure(["url": .sensitive(.string(Servers.redisURL)), "min_hit_rate": 0.5, "min_lookups": 100], ctx)
        let msg = try #require(f?.message)
        #expect(msg.hasPrefix("inconclusive: only 5 lookups"))
        #expect(msg.contains("does not pass"))
        #expect(f?.outputs["hit_rate"] == .null)
    }

    @Test func hitRateJudgedAfterEnoughLookups() async throws {
        let a = try admin()
        _ = try a.send(["CONFIG", "RESETSTAT"])
        _ = try a.send(["SET", "k", "v"])
        for i in 0..<100 { _ = try a.send(["GET", i < 70 ? "k" : "missing-\(i)"]) }
        let cfg: [String: Value] = ["url": .sensitive(.string(Servers.redisURL)), "min_lookups": 100]
        var c = cfg; c["min_hit_rate"] = 0.6
        let ok = try await rate.apply(c, ctx)
        #expect(ok.outputs["hit_rate"] == .double(0.7))
        c["min_hit_rate"] = 0.9
        let low = await rate.applyFailure(c, ctx)
        #expect(low?.message.contains("hit rate 70.0% over 100 lookups is below min_hit_rate 90.0%") == true, "\(low?.message ?? "")")
    }

    @Test func respParsesEveryReplyType() throws {
        let a = try admin()
        _ = try a.send(["DEL", "list"])
        #expect(try a.send(["RPUSH", "list", "x", "y"]) == .integer(2))
        #expect(try a.send(["LRANGE", "list", "0", "-1"]) == .array([.bulk("x"), .bulk("y")]))
        #expect(try a.send(["GET", "no-such-key"]) == .bulk(nil))
        if case .error(let e) = try a.send(["NOSUCHCOMMAND"]) { #expect(e.hasPrefix("ERR")) } else { Issue.record("expected an error reply") }
    }
}
