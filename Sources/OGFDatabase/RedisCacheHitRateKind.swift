import Foundation
import OGFCore

/// `redis_cache_hit_rate`: keyspace_hits / (hits + misses) from INFO stats must reach a
/// threshold, judged only after `min_lookups` lookups. Too few lookups is inconclusive, and
/// inconclusive is a failure: a check that cannot tell must never pass.
public struct RedisCacheHitRateKind: ResourceKind {
    public init() {}

    public let name = "redis_cache_hit_rate"
    public let role = ResourceRole.check
    public let summary = "Post-deploy: Redis keyspace hit rate at or above a threshold, after a minimum number of lookups."
    public let schema = Schema(RedisTarget.fields + [
        FieldSpec("min_hit_rate", .number, required: true, doc: "The lowest acceptable hits / (hits + misses), between 0 and 1 (e.g. 0.8)."),
        FieldSpec("min_lookups", .int, default: 1000, doc: "Lookups (hits + misses) needed before the rate is judged; fewer is inconclusive (a failure)."),
    ])
    public let outputs = ["hit_rate": "hits / (hits + misses), or null when inconclusive.", "hits": "keyspace_hits.", "misses": "keyspace_misses.", "lookups": "hits + misses."]

    struct Config: Decodable {
        var target: RedisTarget
        var minHitRate: Double
        var minLookups: Int

        enum CodingKeys: String, CodingKey { case minHitRate = "min_hit_rate", minLookups = "min_lookups" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            target = try RedisTarget(from: decoder)
            minHitRate = try c.decode(Double.self, forKey: .minHitRate)
            minLookups = try c.decode(Int.self, forKey: .minLookups)
            guard (0...1).contains(minHitRate) else { throw Diagnostic.field("min_hit_rate", "must be a number between 0 and 1, got \(minHitRate)") }
            guard minLookups >= 1 else { throw Diagnostic.field("min_lookups", "must be at least 1, got \(minLookups)") }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let t = c.target
        let threshold = c.minHitRate
        let minLookups = c.minLookups
        let client = try await t.connect()
        let stats: [String: String]
        do { stats = try await client.info("stats") } catch is CancellationError { throw CancellationError() } catch { throw ResourceFailure("\(t.shown): INFO stats failed: \(t.mask("\(error)"))") }
        guard let hits = stats["keyspace_hits"].flatMap({ Int($0) }), let misses = stats["keyspace_misses"].flatMap({ Int($0) }) else {
            throw ResourceFailure("\(t.shown): INFO stats has no keyspace_hits / keyspace_misses")
        }
        let lookups = hits + misses
        var outputs: [String: Value] = ["hits": .int(hits), "misses": .int(misses), "lookups": .int(lookups), "hit_rate": .null]
        guard lookups >= minLookups else {
            throw ResourceFailure("inconclusive: only \(lookups) lookup\(lookups == 1 ? "" : "s") since the server's stats were reset, fewer than min_lookups \(minLookups); the hit rate cannot be judged yet, so this check does not pass. Run it after traffic has warmed the cache.", outputs: outputs)
        }
        let rate = Double(hits) / Double(lookups)
        outputs["hit_rate"] = .double((rate * 10000).rounded() / 10000)
        let text = String(format: "%.1f%%", rate * 100) + " over \(lookups) lookups"
        guard rate >= threshold else {
            throw ResourceFailure("hit rate \(text) is below min_hit_rate \(String(format: "%.1f%%", threshold * 100))", outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "hit rate \(text) (≥ \(String(format: "%.1f%%", threshold * 100)))")
    }
}
