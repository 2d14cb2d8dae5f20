import Foundation
import Histogram
import OGFCore
import OGFHTTP

/// `check_load`: a bounded load test. At most `requests` requests for at most `duration`, at
/// `concurrency` (and at most `rate` per second), through `LoadRunner` (ogf's HTTP/1.1 client for
/// http, libcurl's multi interface for https); passes when
/// the p50/p95/p99 latencies and the error rate are within their limits. The latency histogram
/// (HdrHistogram, 3 significant digits) and the achieved rate are recorded as evidence.
public struct CheckLoadKind: ResourceKind {
    public init() {}

    public let name = "check_load"
    public let role = ResourceRole.check
    public let summary = "Load test: N requests at a concurrency (and rate) for at most a duration; p50/p95/p99 and error-rate limits; histogram as evidence."
    public let schema = Schema([
        FieldSpec("urls", .list(.string), required: true, doc: "The URLs to load, used in turn."),
        FieldSpec("method", .oneOf(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]), default: "GET", doc: "HTTP method."),
        FieldSpec("headers", .map(.string), doc: "Request headers (e.g. Content-Type, Authorization from ${secret.X})."),
        FieldSpec("body", .string, doc: "Request body, sent with every request."),
        FieldSpec("requests", .int, default: 1000, doc: "How many requests at most (1 to 1,000,000)."),
        FieldSpec("concurrency", .int, default: 8, doc: "Requests in flight at once (1 to 1024), each slot a kept-alive connection."),
        FieldSpec("duration", .duration, default: "60s", doc: "Time limit: the test stops then even if requests remain (at most 1h); requests in flight are abandoned and counted."),
        FieldSpec("rate", .number, doc: "Start at most this many requests per second, on a fixed schedule; without it, as fast as concurrency allows."),
        FieldSpec("timeout", .duration, default: "10s", doc: "Per-request timeout; a request that takes longer counts as an error."),
        FieldSpec("expect_status", .list(.int), doc: "Statuses that count as success; without it, any status below 400."),
        FieldSpec("max_p50", .duration, doc: "The median latency must not exceed this."),
        FieldSpec("max_p95", .duration, doc: "The 95th percentile latency must not exceed this."),
        FieldSpec("max_p99", .duration, doc: "The 99th percentile latency must not exceed this."),
        FieldSpec("max_error_rate", .number, doc: "The share of failed requests (transport errors and unexpected statuses) must not exceed this, 0 to 1."),
        FieldSpec("min_requests", .int, default: 1, doc: "Fewer completed requests than this is a failure (no data is never success)."),
        FieldSpec("insecure", .bool, default: false, doc: "Skip TLS certificate verification (self-signed test servers only)."),
        FieldSpec("ca_file", .string, doc: "A CA bundle to verify the server with."),
    ])
    public let outputs = [
        "requests": "Requests completed (measured).",
        "errors": "Failed requests: transport errors and unexpected statuses.",
        "error_rate": "errors / requests.",
        "abandoned": "Requests still in flight at the time limit (not measured).",
        "rate": "Achieved requests per second (completed / elapsed).",
        "elapsed_s": "Seconds from the first request to the end.",
        "p50_ms": "Median latency, milliseconds.",
        "p95_ms": "95th percentile latency, milliseconds.",
        "p99_ms": "99th percentile latency, milliseconds.",
        "max_ms": "Slowest request, milliseconds.",
        "histogram": "Latency percentile distribution from the HdrHistogram: [{percentile, ms, count}].",
        "statuses": "How many responses had each status (\"error\" for transport failures).",
        "stopped_by": "What ended the test: requests, duration or cancelled.",
    ]

    struct Config: Decodable {
        var urls: [String]
        var method: String
        var headers: [String: String]?
        var body: String?
        var requests: Int
        var concurrency: Int
        var duration: ConfigDuration
        var rate: Double?
        var timeout: ConfigDuration
        var expectStatus: [Int]?
        var maxP50: ConfigDuration?
        var maxP95: ConfigDuration?
        var maxP99: ConfigDuration?
        var maxErrorRate: Double?
        var minRequests: Int
        var insecure: Bool
        var caFile: String?

        enum CodingKeys: String, CodingKey {
            case urls, method, headers, body, requests, concurrency, duration, rate, timeout, expectStatus = "expect_status"
            case maxP50 = "max_p50", maxP95 = "max_p95", maxP99 = "max_p99", maxErrorRate = "max_error_rate", minRequests = "min_requests"
            case insecure, caFile = "ca_file"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            urls = try c.decode([String].self, forKey: .urls)
            method = try c.decode(String.self, forKey: .method)
            headers = try c.decodeIfPresent([String: String].self, forKey: .headers)
            body = try c.decodeIfPresent(String.self, forKey: .body)
            requests = try c.decode(Int.self, forKey: .requests)
            concurrency = try c.decode(Int.self, forKey: .concurrency)
            duration = try c.decode(ConfigDuration.self, forKey: .duration)
            rate = try c.decodeIfPresent(Double.self, forKey: .rate)
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
            expectStatus = try c.decodeIfPresent([Int].self, forKey: .expectStatus)
            maxP50 = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxP50)
            maxP95 = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxP95)
            maxP99 = try c.decodeIfPresent(ConfigDuration.self, forKey: .maxP99)
            maxErrorRate = try c.decodeIfPresent(Double.self, forKey: .maxErrorRate)
            minRequests = try c.decode(Int.self, forKey: .minRequests)
            insecure = try c.decode(Bool.self, forKey: .insecure)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            guard !urls.isEmpty else { throw Diagnostic.field("urls", "is empty: list at least one URL to load") }
            for u in urls where !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
                throw Diagnostic.field("urls", "\"\(u)\" is not an http:// or https:// URL")
            }
            guard (1...1_000_000).contains(requests) else { throw Diagnostic.field("requests", "must be between 1 and 1,000,000, got \(requests)") }
            guard (1...1024).contains(concurrency) else { throw Diagnostic.field("concurrency", "must be between 1 and 1024, got \(concurrency)") }
            guard duration.seconds > 0, duration.seconds <= 3600 else {
                throw Diagnostic.field("duration", "must be more than 0 and at most 1h (a load test is bounded), got \(DurationText.format(duration.seconds))")
            }
            if let rate, !(rate > 0) { throw Diagnostic.field("rate", "must be more than 0 requests per second, got \(num(rate))") }
            if let r = maxErrorRate, !(0...1).contains(r) { throw Diagnostic.field("max_error_rate", "must be between 0 and 1 (0.01 is 1%), got \(num(r))") }
            guard minRequests >= 1, minRequests <= requests else {
                throw Diagnostic.field("min_requests", "must be between 1 and requests (\(requests)), got \(minRequests)")
            }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        guard let c = try request.decodeIfKnown(Config.self) else { return defaultPlan(request) }
        var response = defaultPlan(request)
        let pace = c.rate.map { ", at most \(Self.num($0))/s" } ?? ""
        response.details = ["\(c.method) \(c.urls.map(CurlHTTPClient.redact).joined(separator: ", ")): \(c.requests) requests at concurrency \(c.concurrency)\(pace), for at most \(DurationText.format(c.duration.seconds))"]
        return response
    }

    /// What a finished test measured; the evidence recorded in outputs.
    struct Measurement {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var errors = 0
        /// By status code; 0 counts transport failures ("error" in the outputs).
        var statusCounts: [Int: Int] = [:]
        var statuses: [String: Int] {
            Dictionary(uniqueKeysWithValues: statusCounts.map { ($0.key == 0 ? "error" : String($0.key), $0.value) })
        }
        var firstError: String?

        var count: Int { Int(histogram.totalCount) }
        func ms(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }
    }

    /// Filled on the load thread only; read after the run returns.
    final class Recorder: @unchecked Sendable {
        var m = Measurement()
        let expect: [Int]?
        init(expect: [Int]?) { self.expect = expect }

        func record(_ s: LoadSample) {
            m.histogram.record(max(1, s.latencyMicros))
            let ok: Bool
            if s.status == 0 {
                ok = false
                m.statusCounts[0, default: 0] += 1
                if m.firstError == nil { m.firstError = s.error }
            } else {
                ok = expect.map { $0.contains(s.status) } ?? (s.status < 400)
                m.statusCounts[s.status, default: 0] += 1
            }
            if !ok { m.errors += 1 }
        }
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let target = LoadTarget(method: c.method, urls: c.urls, headers: (c.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                body: c.body.map { Data($0.utf8) }, timeout: c.timeout.seconds, insecure: c.insecure, caFile: c.caFile.map(request.context.path))
        let limits = LoadLimits(requests: c.requests, duration: c.duration.seconds, concurrency: c.concurrency, rate: c.rate)
        request.progress("\(c.requests) requests at concurrency \(c.concurrency), at most \(DurationText.format(c.duration.seconds))")
        let recorder = Recorder(expect: c.expectStatus)
        let run = await LoadRunner.run(target, limits: limits) { recorder.record($0) }
        if run.stoppedBy == .cancelled { throw CancellationError() }
        let m = recorder.m
        let outputs = Self.outputs(m, run)
        let problems = Self.verdict(m, c)
        let summary = Self.summary(m, run)
        if !problems.isEmpty {
            var message = "\(summary)\n" + problems.map { "  \($0)" }.joined(separator: "\n")
            if let e = m.firstError { message += "\n  first transport error: \(request.context.redact(e))" }
            throw ResourceFailure(message, outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: summary)
    }

    /// Thresholds broken, one line each; empty when the test passed.
    static func verdict(_ m: Measurement, _ c: Config) -> [String] {
        var out: [String] = []
        if m.count < c.minRequests {
            out.append("only \(m.count) request\(m.count == 1 ? "" : "s") completed, min_requests is \(c.minRequests)")
            return out
        }
        for (name, p, limit) in [("p50", 50.0, c.maxP50), ("p95", 95.0, c.maxP95), ("p99", 99.0, c.maxP99)] {
            guard let limit else { continue }
            let ms = m.ms(p)
            if ms > limit.seconds * 1000 { out.append("\(name) \(fmt(ms))ms is over max_\(name) \(DurationText.format(limit.seconds))") }
        }
        if let max = c.maxErrorRate {
            let rate = Double(m.errors) / Double(m.count)
            if rate > max { out.append("error rate \(fmt(rate * 100))% (\(m.errors) of \(m.count)) is over max_error_rate \(fmt(max * 100))%") }
        }
        return out
    }

    static func outputs(_ m: Measurement, _ run: LoadRun) -> [String: Value] {
        let n = m.count
        var hist: [Value] = []
        if n > 0 {
            for p in [0.0, 50, 75, 90, 95, 99, 99.9, 100] {
                let v = m.histogram.valueAtPercentile(p)
                hist.append(.map(["percentile": .double(p), "ms": .double(Double(v) / 1000),
                                  "count": .int(Int(m.histogram.count(within: 0...m.histogram.highestEquivalentForValue(v))))]))
            }
        }
        return [
            "requests": .int(n), "errors": .int(m.errors), "error_rate": .double(n == 0 ? 0 : Double(m.errors) / Double(n)),
            "abandoned": .int(run.abandoned), "rate": .double(round2(run.elapsed > 0 ? Double(n) / run.elapsed : 0)),
            "elapsed_s": .double(round2(run.elapsed)),
            "p50_ms": .double(n == 0 ? 0 : m.ms(50)), "p95_ms": .double(n == 0 ? 0 : m.ms(95)), "p99_ms": .double(n == 0 ? 0 : m.ms(99)),
            "max_ms": .double(n == 0 ? 0 : Double(m.histogram.max) / 1000),
            "histogram": .list(hist), "statuses": .map(m.statuses.mapValues(Value.int)), "stopped_by": .string(run.stoppedBy.rawValue),
        ]
    }

    static func summary(_ m: Measurement, _ run: LoadRun) -> String {
        let n = m.count
        let rate = run.elapsed > 0 ? Double(n) / run.elapsed : 0
        var s = "\(n) requests in \(DurationText.format(run.elapsed)) (\(fmt(rate))/s), \(m.errors) error\(m.errors == 1 ? "" : "s")"
        if n > 0 { s += "; p50 \(fmt(m.ms(50)))ms, p95 \(fmt(m.ms(95)))ms, p99 \(fmt(m.ms(99)))ms" }
        if run.stoppedBy == .duration { s += "; stopped at the time limit (\(run.abandoned) in flight abandoned)" }
        return s
    }

    static func num(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func fmt(_ x: Double) -> String { x >= 100 ? String(format: "%.0f", x) : String(format: "%.1f", x) }
}
