import Foundation
import OGFCore

/// `postgres_check`: pre-flight. Connects, reports server version and round-trip latency, and
/// optionally checks required extensions and that the role may create objects in a schema.
public struct PostgresCheckKind: ResourceKind {
    public init() {}

    public let name = "postgres_check"
    public let role = ResourceRole.check
    public let checklistName: String? = "database_connection"
    public let summary = "Pre-flight: PostgreSQL answers; server version, latency, required extensions, CREATE privilege."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, sensitive: true, doc: "postgres:// URL (sslmode and other libpq parameters honoured)."),
        FieldSpec("timeout", .duration, default: "5s", doc: "Connection timeout."),
        FieldSpec("extensions", .list(.string), doc: "Extensions that must be installed in the database (pg_extension)."),
        FieldSpec("create_in_schema", .string, doc: "A schema the role must be allowed to CREATE in (to run migrations), e.g. public."),
        FieldSpec("min_server_version", .int, doc: "Lowest acceptable server major version, e.g. 15."),
        FieldSpec("max_latency", .duration, doc: "Fail when the median round trip of 5 `SELECT 1` is slower."),
    ])
    public let outputs = ["server_version": "The server's version, e.g. 15.18.", "latency_ms": "Median round trip of SELECT 1, in milliseconds."]

    struct Config: Decodable {
        var url: PostgresTarget
        var timeout: ConfigDuration
        var extensions: [String]?
        var createInSchema: String?
        var minServerVersion: Int?
        var maxLatency: ConfigDuration?

        enum CodingKeys: String, CodingKey {
            case url, timeout, extensions, createInSchema = "create_in_schema", minServerVersion = "min_server_version", maxLatency = "max_latency"
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let target = c.url
        let timeout = c.timeout.seconds
        let conn = try await target.connect(application: "ogf check \(request.context.environment)", timeout: timeout)
        let version = try await pg(conn) { try $0.query("SHOW server_version").firstValue ?? "?" }
        // Timed on the connection's thread: the round trips, not the hops between threads.
        let samples = try await pg(conn) { c in
            try (0..<5).map { _ in
                let t = Date()
                _ = try c.query("SELECT 1")
                return Date().timeIntervalSince(t)
            }
        }
        let latency = samples.sorted()[2]
        let outputs: [String: Value] = ["server_version": .string(version), "latency_ms": .double((latency * 100000).rounded() / 100)]
        var problems: [String] = []
        if let min = c.minServerVersion, conn.serverMajorVersion < min {
            problems.append("server version \(version) is older than min_server_version \(min)")
        }
        let wanted = c.extensions ?? []
        if !wanted.isEmpty {
            let have = Set(try await pg(conn) { try $0.query("SELECT extname FROM pg_extension").rows.compactMap { $0[0] } })
            let missing = wanted.filter { !have.contains($0) }
            if !missing.isEmpty { problems.append("missing extension\(missing.count == 1 ? "" : "s"): \(missing.joined(separator: ", ")) (CREATE EXTENSION as a superuser)") }
        }
        if let s = c.createInSchema {
            let r = try await pg(conn) { try $0.query("SELECT current_user, to_regnamespace($1) IS NOT NULL, CASE WHEN to_regnamespace($1) IS NULL THEN false ELSE has_schema_privilege(current_user, $1, 'CREATE') END", [s]) }
            let user = r.rows.first?[0] ?? "?"
            if r.rows.first?[1] != "t" { problems.append("schema \(s) does not exist") }
            else if r.rows.first?[2] != "t" { problems.append("role \(user) may not CREATE in schema \(s), so it cannot run migrations (GRANT CREATE ON SCHEMA \(s) TO \(user))") }
        }
        if let max = c.maxLatency?.seconds, max > 0, latency > max {
            problems.append("round trip \(DurationText.format(latency)) is slower than max_latency \(DurationText.format(max))")
        }
        guard problems.isEmpty else { throw ResourceFailure("\(target.shown): " + problems.joined(separator: "; "), outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "PostgreSQL \(version), \(String(format: "%.2f", latency * 1000))ms round trip")
    }
}
