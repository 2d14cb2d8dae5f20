import Foundation
import OGFCore

/// `postgres_query`: post-deploy query performance. Runs a query `runs` times after `warmup`
/// runs and holds p50 and p95 against thresholds.
public struct PostgresQueryKind: ResourceKind {
    public init() {}

    public let name = "postgres_query"
    public let role = ResourceRole.check
    public let summary = "Post-deploy: a query's p50 and p95 over N runs against thresholds."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, sensitive: true, doc: "postgres:// URL."),
        FieldSpec("query", .string, required: true, doc: "The SQL to time (one statement; use a read-only query)."),
        FieldSpec("runs", .int, default: 20, doc: "Timed runs."),
        FieldSpec("warmup", .int, default: 2, doc: "Untimed runs first (warm caches and plans)."),
        FieldSpec("max_p50", .duration, doc: "Fail when the median run is slower."),
        FieldSpec("max_p95", .duration, doc: "Fail when the 95th percentile run is slower."),
        FieldSpec("min_rows", .int, doc: "Fail when the query returns fewer rows (it should find data)."),
    ])
    public let outputs = ["p50_ms": "Median run, milliseconds.", "p95_ms": "95th percentile run, milliseconds.", "rows": "Rows returned by the last run."]

    struct Config: Decodable {
        var url: PostgresTarget
        var query: String
        var runs: Int
        var warmup: Int
        var maxP50: ConfigDuration?
        var maxP95: ConfigDuration?
        var minRows: Int?

        enum CodingKeys: String, CodingKey {
            case url, query, runs, warmup, maxP50 = "max_p50", maxP95 = "max_p95", minRows = "min_rows"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(PostgresTarget.self, forKey: .url)
            query = try c.decode(String.self, forKey: .query)
            runs = try c.decode(Int.self, forKey: .runs)
            warmup = try c.decode(Int.self, forKey: .warmup)
            maxP50 = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxP50)
            maxP95 = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxP95)
            minRows = try c.decodeIfPresent(Int.self, forKey: .minRows)
            guard runs >= 1 else { throw Diagnostic.field("runs", "must be at least 1, got \(runs)") }
            guard warmup >= 0 else { throw Diagnostic.field("warmup", "must be 0 or more, got \(warmup)") }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let target = c.url
        let (sql, runs, warmup) = (c.query, c.runs, c.warmup)
        let conn = try await target.connect(application: "ogf check \(request.context.environment) (query)")
        // All runs on the connection's thread (timed there, without thread hops); cancelling
        // the apply cancels the query in flight.
        let (rows, samples) = try await pg(conn) { conn in
            var rows = 0
            for _ in 0..<warmup { _ = try conn.query(sql) }
            var samples: [Double] = []
            for _ in 0..<runs {
                let t = Date()
                rows = try conn.query(sql).rows.count
                samples.append(Date().timeIntervalSince(t))
            }
            return (rows, samples)
        }
        let p50 = Self.percentile(samples, 50), p95 = Self.percentile(samples, 95)
        let ms = { (d: Double) in (d * 100000).rounded() / 100 }
        let outputs: [String: Value] = ["p50_ms": .double(ms(p50)), "p95_ms": .double(ms(p95)), "rows": .int(rows)]
        var problems: [String] = []
        if let m = c.maxP50?.seconds, p50 > m { problems.append("p50 \(DurationText.format(p50)) > max_p50 \(DurationText.format(m))") }
        if let m = c.maxP95?.seconds, p95 > m { problems.append("p95 \(DurationText.format(p95)) > max_p95 \(DurationText.format(m))") }
        if let m = c.minRows, rows < m { problems.append("returned \(rows) rows, fewer than min_rows \(m)") }
        let summary = "p50 \(String(format: "%.2f", p50 * 1000))ms, p95 \(String(format: "%.2f", p95 * 1000))ms over \(runs) runs"
        guard problems.isEmpty else { throw ResourceFailure("\(summary): " + problems.joined(separator: "; "), outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: summary)
    }

    /// Nearest-rank percentile.
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(s.count)).rounded(.up))
        return s[min(s.count - 1, max(0, rank - 1))]
    }
}
