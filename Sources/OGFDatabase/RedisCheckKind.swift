import Foundation
import OGFCore

/// `redis_check`: pre-flight. Connects, authenticates (password or ACL user), PINGs, reads the
/// server version from INFO server and measures the round trip.
public struct RedisCheckKind: ResourceKind {
    public init() {}

    public let name = "redis_check"
    public let role = ResourceRole.check
    public let checklistName: String? = "redis_connection"
    public let summary = "Pre-flight: Redis answers PING after AUTH; server version and latency."
    public let schema = Schema(RedisTarget.fields + [
        FieldSpec("min_version", .string, doc: "Lowest acceptable server version, e.g. \"7.0\"."),
        FieldSpec("max_latency", .duration, doc: "Fail when the median of 5 PING round trips is slower."),
    ])
    public let outputs = ["version": "redis_version from INFO server.", "latency_ms": "Median PING round trip, milliseconds."]

    struct Config: Decodable {
        var target: RedisTarget
        var minVersion: String?
        var maxLatency: ConfigDuration?

        enum CodingKeys: String, CodingKey { case minVersion = "min_version", maxLatency = "max_latency" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            target = try RedisTarget(from: decoder)
            minVersion = try c.decodeIfPresent(String.self, forKey: .minVersion)
            maxLatency = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxLatency)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let t = c.target
        let client = try await t.connect()
        var samples: [Double] = []
        for _ in 0..<5 {
            let start = Date()
            let r = try await t.call(client, ["PING"])
            samples.append(Date().timeIntervalSince(start))
            switch r {
            case .simple("PONG"): continue
            case .error(let e) where e.hasPrefix("NOAUTH"):
                throw ResourceFailure("\(t.shown): the server requires a password (give password:, or a URL with one)")
            case .error(let e) where e.hasPrefix("NOPERM"):
                throw ResourceFailure("\(t.shown): user \(t.user ?? "default") may not run PING: \(e)")
            default:
                throw ResourceFailure("\(t.shown): PING answered \(r.text ?? "\(r)") instead of PONG")
            }
        }
        let latency = samples.sorted()[2]
        let info: [String: String]
        do { info = try await client.info("server") } catch is CancellationError { throw CancellationError() } catch { throw ResourceFailure("\(t.shown): INFO server failed: \(t.mask("\(error)"))") }
        let version = info["redis_version"] ?? "?"
        let outputs: [String: Value] = ["version": .string(version), "latency_ms": .double((latency * 10000).rounded() / 10)]
        if let min = c.minVersion, Self.compare(version, min) < 0 {
            throw ResourceFailure("\(t.shown): Redis \(version) is older than min_version \(min)", outputs: outputs)
        }
        if let m = c.maxLatency?.seconds, latency > m {
            throw ResourceFailure("\(t.shown): PING round trip \(DurationText.format(latency)) is slower than max_latency \(DurationText.format(m))", outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "Redis \(version), PONG in \(String(format: "%.2f", latency * 1000))ms")
    }

    static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}
