import Foundation
import OGFCore
import OGFSupport
import OGFHTTP

/// `check_traces`: traces of the release arrived at the trace backend — at least `min_spans` spans
/// of `service` whose `service.version` is `version`, started within the last `within`. Asks
/// Jaeger's query API (`/api/traces`) or Tempo's search API (`/api/search`, TraceQL).
public struct CheckTracesKind: ResourceKind {
    let http: any HTTPClient
    let now: @Sendable () -> Date

    public init(http: any HTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.http = http
        self.now = now
    }

    public let name = "check_traces"
    public let role = ResourceRole.check
    public let summary = "Trace validation: spans of this release (service.version) reached Jaeger or Tempo within a window; with retries."
    public let schema = Schema([
        FieldSpec("jaeger", .string, doc: "Jaeger query base URL (http://127.0.0.1:16686); asks /api/traces. Give jaeger or tempo."),
        FieldSpec("tempo", .string, doc: "Tempo base URL (http://127.0.0.1:3200); asks /api/search with TraceQL. Give jaeger or tempo."),
        FieldSpec("service", .string, required: true, doc: "The service.name the spans carry."),
        FieldSpec("version", .string, required: true, doc: "The service.version the spans must carry: the release, e.g. \"${var.release}\"."),
        FieldSpec("min_spans", .int, default: 1, doc: "At least this many matching spans."),
        FieldSpec("within", .duration, default: "5m", doc: "Only spans that started this long ago or later count."),
        FieldSpec("headers", .map(.string), doc: "Request headers for the backend (e.g. an Authorization token; may reference secrets)."),
        FieldSpec("insecure", .bool, default: false, doc: "Skip TLS certificate verification (self-signed test servers only)."),
    ] + Schema.retryFields)
    public let outputs = ["spans": "Matching spans found.", "traces": "Traces holding them."]

    enum Backend: Sendable, Equatable { case jaeger, tempo }

    struct Config: Decodable {
        var backend: Backend
        var url: Marked<String>
        var service: String
        var version: String
        var minSpans: Int
        var within: ConfigDuration
        var headers: [String: String]
        var insecure: Bool
        var retry: RetrySettings

        enum CodingKeys: String, CodingKey { case jaeger, tempo, service, version, minSpans = "min_spans", within, headers, insecure }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let jaeger = try c.decodeIfPresent(Marked<String>.self, forKey: .jaeger)
            let tempo = try c.decodeIfPresent(Marked<String>.self, forKey: .tempo)
            switch (jaeger, tempo) {
            case (let j?, nil): backend = .jaeger; url = j
            case (nil, let t?): backend = .tempo; url = t
            case (nil, nil): throw Diagnostic.field("jaeger", "give the trace backend: jaeger: (its query URL) or tempo: (its URL)", code: .missingField)
            case (_?, _?): throw Diagnostic.field("tempo", "give jaeger or tempo, not both")
            }
            service = try c.decode(String.self, forKey: .service)
            if service.isEmpty { throw Diagnostic.field("service", "is empty: give the service.name the spans carry") }
            version = try c.decode(String.self, forKey: .version)
            if version.isEmpty { throw Diagnostic.field("version", "is empty: give the release, e.g. \"${var.release}\"") }
            minSpans = try c.decode(Int.self, forKey: .minSpans)
            if minSpans < 1 { throw Diagnostic.field("min_spans", "must be at least 1, not \(minSpans)") }
            within = try c.decode(ConfigDuration.self, forKey: .within)
            if within.seconds < 1 { throw Diagnostic.field("within", "must be at least 1s, not \(within)") }
            headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
            insecure = try c.decode(Bool.self, forKey: .insecure)
            retry = try RetrySettings(from: decoder)
        }

        var backendName: String { backend == .jaeger ? "Jaeger" : "Tempo" }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let shownURL = c.url.isSensitive ? "(sensitive URL)" : CurlHTTPClient.redact(c.url.value)
        var found = TraceCount()
        let failure = try await RetryPolicy(c.retry).run(progress: request.progress) {
            do {
                found = try await count(c, version: c.version)
                if found.spans >= c.minSpans { return nil }
                // Too few: say what the backend does hold for the service, to tell "no traces at
                // all" (exporter, backend) from "traces of another release" (rollout, config).
                let others = (try? await count(c, version: nil)) ?? TraceCount()
                return shortfall(c, found: found, others: others)
            } catch let e as TraceQueryError {
                return "\(c.backendName) at \(shownURL): " + request.context.redact(e.message)
            } catch {
                return "cannot query \(c.backendName) at \(shownURL): " + request.context.redact("\(error)") + "; is the trace backend running?"
            }
        }
        let outputs: [String: Value] = ["spans": .int(found.spans), "traces": .int(found.traces)]
        if let failure { throw ResourceFailure(failure, outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "\(found.spans) span\(found.spans == 1 ? "" : "s") of \(c.service) \(c.version) in the last \(c.within) (\(c.backendName))")
    }

    func shortfall(_ c: Config, found: TraceCount, others: TraceCount) -> String {
        let head = "\(found.spans) span\(found.spans == 1 ? "" : "s") of service \(c.service) with service.version \(c.version) in the last \(c.within), expected at least \(c.minSpans)"
        let otherVersions = others.byVersion.filter { $0.key != c.version }
        if others.spans == 0 {
            return head + "; no spans of \(c.service) at all in that window: is the service exporting traces (OTLP) to this backend?"
        }
        if otherVersions.isEmpty { return head }
        let list = otherVersions.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
            .map { "\($0.key.isEmpty ? "(no service.version)" : $0.key) (\($0.value) span\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
        return head + "; seen from other versions: \(list)"
    }

    struct TraceCount: Equatable {
        var spans = 0
        var traces = 0
        var byVersion: [String: Int] = [:]
    }

    struct TraceQueryError: Error { var message: String }

    /// Spans of the service (of one version, or of every version when nil) in the window.
    func count(_ c: Config, version: String?) async throws -> TraceCount {
        let end = now()
        let start = end.addingTimeInterval(-c.within.seconds)
        let base = c.url.value.hasSuffix("/") ? String(c.url.value.dropLast()) : c.url.value
        let limit = min(max(c.minSpans * 2, 100), 1500)
        let url: String
        switch c.backend {
        case .jaeger:
            var q = "service=\(Self.escape(c.service))"
            if let version { q += "&tags=\(Self.escape(Self.jsonObject(["service.version": version])))" }
            q += "&start=\(Int64(start.timeIntervalSince1970 * 1_000_000))&end=\(Int64(end.timeIntervalSince1970 * 1_000_000))"
            q += "&lookback=\(Int(c.within.seconds.rounded(.up)))s&limit=\(limit)"
            url = base + "/api/traces?" + q
        case .tempo:
            var traceQL = "{ resource.service.name = \(Self.quote(c.service))"
            if let version { traceQL += " && resource.service.version = \(Self.quote(version))" }
            traceQL += " }"
            url = base + "/api/search?q=\(Self.escape(traceQL))&start=\(Int(start.timeIntervalSince1970))&end=\(Int(end.timeIntervalSince1970.rounded(.up)))&limit=\(limit)&spss=\(max(c.minSpans, 3))"
        }
        let req = HTTPRequest(method: "GET", url: url, headers: c.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                              timeout: c.retry.timeout.seconds, insecure: c.insecure)
        let r = try await http.send(req)
        guard r.status == 200 else {
            throw TraceQueryError(message: "answered \(r.status) to \(c.backend == .jaeger ? "/api/traces" : "/api/search"): \(String(r.text.prefix(200)).replacingOccurrences(of: "\n", with: " "))")
        }
        guard let body = try? JSONDecoder().decode(Value.self, from: r.body) else {
            throw TraceQueryError(message: "answered with a body that is not JSON")
        }
        let sinceMicros = Int64(start.timeIntervalSince1970 * 1_000_000)
        return c.backend == .jaeger
            ? Self.countJaeger(body, service: c.service, version: version, sinceMicros: sinceMicros)
            : Self.countTempo(body, version: version, sinceNanos: sinceMicros * 1000)
    }

    /// Jaeger's `{"data": [{"spans": [...], "processes": {"p1": {"serviceName", "tags"}}}]}`.
    static func countJaeger(_ body: Value, service: String, version: String?, sinceMicros: Int64) -> TraceCount {
        var out = TraceCount()
        guard case .list(let traces)? = body["data"] else { return out }
        for trace in traces {
            var processes: [String: (service: String, version: String)] = [:]
            if case .map(let ps)? = trace["processes"] {
                for (id, p) in ps {
                    processes[id] = (p["serviceName"]?.stringValue ?? "", tag(p["tags"], "service.version") ?? "")
                }
            }
            var matched = 0
            if case .list(let spans)? = trace["spans"] {
                for span in spans {
                    guard let pid = span["processID"]?.stringValue, let p = processes[pid], p.service == service else { continue }
                    let start = span["startTime"].flatMap(int64) ?? 0
                    guard start >= sinceMicros else { continue }
                    let v = tag(span["tags"], "service.version") ?? p.version
                    out.byVersion[v, default: 0] += 1
                    if version == nil || v == version { matched += 1 }
                }
            }
            out.spans += matched
            if matched > 0 { out.traces += 1 }
        }
        return out
    }

    /// Tempo's `{"traces": [{"startTimeUnixNano", "spanSet"/"spanSets": [{"matched": n, "spans"}]}]}`.
    /// The query already selects the service and version; a trace without span sets counts once.
    static func countTempo(_ body: Value, version: String?, sinceNanos: Int64) -> TraceCount {
        var out = TraceCount()
        guard case .list(let traces)? = body["traces"] else { return out }
        for trace in traces {
            if let start = trace["startTimeUnixNano"].flatMap(int64), start < sinceNanos { continue }
            var sets: [Value] = []
            if case .list(let many)? = trace["spanSets"] { sets = many } else if let one = trace["spanSet"] { sets = [one] }
            var matched = 0
            for set in sets {
                if let n = set["matched"].flatMap(int64) { matched += Int(n) } else if case .list(let spans)? = set["spans"] { matched += spans.count }
            }
            if sets.isEmpty { matched = 1 }
            out.spans += matched
            out.traces += 1
            out.byVersion[version ?? "(any)", default: 0] += matched
        }
        return out
    }

    static func tag(_ tags: Value?, _ key: String) -> String? {
        guard case .list(let list)? = tags else { return nil }
        for t in list where t["key"]?.stringValue == key {
            switch t["value"] {
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            case .double(let d)?: return String(d)
            case .bool(let b)?: return String(b)
            default: return nil
            }
        }
        return nil
    }

    static func int64(_ v: Value) -> Int64? {
        switch v {
        case .int(let i): return Int64(i)
        case .double(let d): return Int64(d)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func jsonObject(_ m: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: m, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
