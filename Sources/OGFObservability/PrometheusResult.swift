import Foundation

/// One series of a Prometheus query result: its labels and its samples (one for an instant
/// vector, several for a range matrix), values as Prometheus sends them (`"NaN"`, `"+Inf"`).
public struct PrometheusSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var samples: [(time: Double, value: Double)]

    public init(labels: [String: String], samples: [(time: Double, value: Double)]) {
        self.labels = labels
        self.samples = samples
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.labels == b.labels && a.samples.count == b.samples.count
            && zip(a.samples, b.samples).allSatisfy { $0.time == $1.time && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }
    }

    /// `{code="500", job="api"}`, labels sorted, for evidence and messages.
    public var labelText: String {
        "{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0]!)\"" }.joined(separator: ", ") + "}"
    }
}

/// The answer to `/api/v1/query` or `/api/v1/query_range`, by its `resultType`.
public enum PrometheusResult: Sendable, Equatable {
    case vector([PrometheusSeries])
    case matrix([PrometheusSeries])
    case scalar(time: Double, value: Double)
    case string(String)

    public var series: [PrometheusSeries] {
        switch self {
        case .vector(let s), .matrix(let s): return s
        case .scalar(let t, let v): return [PrometheusSeries(labels: [:], samples: [(t, v)])]
        case .string: return []
        }
    }

    /// What a trigger compares with its threshold: exactly one finite number. Anything else —
    /// no series, several series, NaN or an infinity, a string — is inconclusive, never a pass.
    public var singleValue: MetricReading {
        switch self {
        case .string(let s): return .inconclusive("the query returned a string (\(s.prefix(40))), not a number")
        case .scalar(_, let v): return Self.finite(v)
        case .vector(let s), .matrix(let s):
            if s.isEmpty { return .inconclusive("the query returned no series (no data)") }
            if s.count > 1 {
                let shown = s.prefix(3).map(\.labelText).joined(separator: ", ")
                return .inconclusive("the query returned \(s.count) series where one was expected (\(shown)\(s.count > 3 ? ", …" : "")); aggregate it, e.g. with sum()")
            }
            guard let last = s[0].samples.last else { return .inconclusive("the series has no samples (no data)") }
            return Self.finite(last.value)
        }
    }

    static func finite(_ v: Double) -> MetricReading {
        if v.isNaN { return .inconclusive("the query returned NaN (e.g. 0/0: no requests in the window)") }
        if v.isInfinite { return .inconclusive("the query returned \(v > 0 ? "+Inf" : "-Inf")") }
        return .value(v)
    }
}

/// A measurement: a number, or why there is none. Inconclusive is never a pass.
public enum MetricReading: Sendable, Equatable {
    case value(Double)
    case inconclusive(String)

    public var value: Double? { if case .value(let v) = self { return v } else { return nil } }
}

/// Decodes Prometheus's JSON envelope: `{"status":"success","data":{"resultType":...,"result":...}}`
/// or `{"status":"error","errorType":"bad_data","error":"..."}`.
enum PrometheusJSON {
    static func decode(_ body: Data) throws -> PrometheusResult {
        guard let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw PrometheusError.badResponse("the answer is not JSON: \(String(decoding: body.prefix(120), as: UTF8.self))")
        }
        if (root["status"] as? String) != "success" {
            let type = root["errorType"] as? String ?? "error"
            throw PrometheusError.rejected(type: type, message: root["error"] as? String ?? "no message")
        }
        guard let data = root["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw PrometheusError.badResponse("the answer has no data.resultType")
        }
        switch type {
        case "scalar":
            guard let pair = data["result"] as? [Any], let s = sample(pair) else { throw PrometheusError.badResponse("a malformed scalar") }
            return .scalar(time: s.0, value: s.1)
        case "string":
            return .string(((data["result"] as? [Any])?.last as? String) ?? "")
        case "vector", "matrix":
            guard let items = data["result"] as? [[String: Any]] else { throw PrometheusError.badResponse("a malformed \(type)") }
            let series = items.map { item -> PrometheusSeries in
                let labels = (item["metric"] as? [String: String]) ?? [:]
                var samples: [(Double, Double)] = []
                if type == "vector", let v = item["value"] as? [Any], let s = sample(v) { samples = [s] }
                if type == "matrix", let vs = item["values"] as? [[Any]] { samples = vs.compactMap(sample) }
                return PrometheusSeries(labels: labels, samples: samples)
            }
            return type == "vector" ? .vector(series) : .matrix(series)
        default:
            throw PrometheusError.badResponse("unknown resultType \(type)")
        }
    }

    /// `[1700000000.123, "0.05"]`; the value is a string so NaN and ±Inf survive JSON.
    static func sample(_ pair: [Any]) -> (Double, Double)? {
        guard pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String else { return nil }
        switch text {
        case "NaN": return (t, .nan)
        case "+Inf", "Inf": return (t, .infinity)
        case "-Inf": return (t, -.infinity)
        default: return Double(text).map { (t, $0) }
        }
    }
}
