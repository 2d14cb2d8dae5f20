import Foundation
import OGFCore

/// `ogf report --format`: how a `DeployRecord` is rendered. Every renderer is pure and
/// deterministic: the same record gives the same bytes.
public enum ReportFormat: String, Sendable, CaseIterable {
    case md, html, json

    public var fileExtension: String { rawValue }

    public func render(_ record: DeployRecord) -> String {
        switch self {
        case .md: return MarkdownReport.render(record)
        case .html: return HTMLReport.render(record)
        case .json: return (try? DeployRecordJSON.encode(record)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
        }
    }
}

/// The JSON form of a record (also how it is saved beside state): sorted keys, ISO 8601 dates.
public enum DeployRecordJSON {
    public static func encode(_ record: DeployRecord) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(fractional.string(from: date))
        }
        return try e.encode(record)
    }

    public static func decode(_ data: Data) throws -> DeployRecord {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)"))
            }
            return date
        }
        return try d.decode(DeployRecord.self, from: data)
    }

    /// ISO 8601 with milliseconds: timings in a report are finer than a second.
    nonisolated(unsafe) static let fractional: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}

/// Shared text helpers for the renderers.
enum ReportText {
    nonisolated(unsafe) static let iso: ISO8601DateFormatter = ISO8601DateFormatter()

    static func date(_ d: Date) -> String { iso.string(from: d) }

    static func seconds(_ s: Double?) -> String {
        guard let s else { return "—" }
        return DurationText.format(s)
    }

    /// An evidence value on one line: strings bare, the rest as the plan shows values.
    static func value(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return v.description
    }

    /// Evidence flattened to `key.sub = value` lines, lists of scalars kept on one line.
    static func flatten(_ m: [String: Value], prefix: String = "") -> [(String, String)] {
        var out: [(String, String)] = []
        for k in m.keys.sorted() {
            let path = prefix.isEmpty ? k : "\(prefix).\(k)"
            switch m[k]! {
            case .map(let sub) where !sub.isEmpty && sub.count <= 40:
                out += flatten(sub, prefix: path)
            case .list(let xs) where xs.contains(where: { if case .map = $0 { return true } else { return false } }):
                for (i, x) in xs.enumerated() {
                    if case .map(let sub) = x { out += flatten(sub, prefix: "\(path)[\(i)]") } else { out.append(("\(path)[\(i)]", value(x))) }
                }
            default:
                out.append((path, value(m[k]!)))
            }
        }
        return out
    }

    /// Numeric series in evidence (watch measurements, latency samples): lists of at least two
    /// numbers, or of `{value: n}` / `{t: …, value: n}` maps, or `[t, n]` pairs.
    static func series(_ m: [String: Value], prefix: String = "") -> [(String, [Double])] {
        var out: [(String, [Double])] = []
        for k in m.keys.sorted() {
            let path = prefix.isEmpty ? k : "\(prefix).\(k)"
            switch m[k]! {
            case .list(let xs) where xs.count >= 2:
                let nums = xs.compactMap(number)
                if nums.count == xs.count { out.append((path, nums)) }
            case .map(let sub):
                out += series(sub, prefix: path)
            default: break
            }
        }
        return out
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .map(let m): return m["value"].flatMap(number)
        case .list(let xs) where xs.count == 2: return number(xs[1])
        default: return nil
        }
    }
}
