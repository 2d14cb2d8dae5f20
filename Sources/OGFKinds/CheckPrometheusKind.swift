import Foundation
import OGFCore
import OGFHTTP
import OGFObservability
import OGFSupport

/// `check_prometheus`: the observability stack is running — Prometheus answers ready, and a
/// query returns at least `min_series` series (e.g. `up{job=~"api|worker|web"} == 1`). An empty
/// result fails: no data is never a pass.
public struct CheckPrometheusKind: ResourceKind {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public let name = "check_prometheus"
    public let role = ResourceRole.check
    public let summary = "Prometheus check: ready, and a query returns at least min_series series (empty fails)."
    public let schema = Schema([
        FieldSpec("url", .string, required: true, doc: "Prometheus's base URL, e.g. http://127.0.0.1:19090."),
        FieldSpec("query", .string, required: true, doc: "PromQL; each series it returns counts (e.g. up{job=~\"api|worker|web\"} == 1). Checked by Prometheus at plan time."),
        FieldSpec("min_series", .int, default: 1, doc: "The fewest series the query must return; an empty result always fails."),
    ] + Schema.retryFields)
    public let outputs = ["series": "How many series the query returned on the last attempt."]

    struct Config: Decodable {
        var url: String
        var query: String
        var minSeries: Int
        var retry: RetrySettings

        enum CodingKeys: String, CodingKey { case url, query, minSeries = "min_series" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            query = try c.decode(String.self, forKey: .query)
            minSeries = try c.decode(Int.self, forKey: .minSeries)
            if minSeries < 1 { throw Diagnostic.field("min_series", "must be 1 or more: an empty result never passes") }
            retry = try RetrySettings(from: decoder)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        if let c = try request.decodeIfKnown(Config.self), request.refresh {
            do {
                _ = try await PrometheusClient(baseURL: c.url, http: http, timeout: 5).query(c.query)
            } catch let e as PrometheusError where e.isInvalidQuery {
                throw Diagnostic.field("query", "\(e)")
            } catch {
                // Unreachable at plan time: the apply says so (Prometheus may start meanwhile).
            }
        }
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let client = PrometheusClient(baseURL: c.url, http: http, timeout: c.retry.timeout.seconds)
        var count: Int?
        let failure = try await RetryPolicy(c.retry).run(progress: request.progress) {
            let ready = await client.ready()
            guard ready.ok else { return "Prometheus at \(CurlHTTPClient.redact(c.url)) is not ready: \(ready.reason)" }
            do {
                let series = try await client.query(c.query).series
                count = series.count
                if series.count < c.minSeries {
                    return series.isEmpty ? "the query returned no series (empty result): \(c.query)"
                        : "the query returned \(series.count) series, fewer than min_series \(c.minSeries): \(series.prefix(5).map(\.labelText).joined(separator: ", "))"
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
        let outputs: [String: Value] = count.map { ["series": .int($0)] } ?? [:]
        if let failure { throw ResourceFailure(request.context.redact(failure), outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "ready, \(count ?? 0) series")
    }
}
