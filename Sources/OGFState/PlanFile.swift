import Foundation
import OGFCore
import OGFPlan

/// Saved plans (`ogf plan -out FILE`): the plan as JSON, never a secret value (see
/// docs/plan-file-format.md). Reading one checks that this ogf can apply it.
public enum PlanFile {
    public static func write(_ plan: Plan, to path: String) throws {
        let body = try StateJSONEncoder(pretty: true).encode(plan)
        try AtomicFile.write(body, to: path)
    }

    public static func read(_ path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanFileError.unreadable(path, FileManager.default.fileExists(atPath: path) ? "it is not readable" : "it does not exist")
        }
        struct Header: Decodable {
            var format_version: Int?
            var ogf_version: String?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), let fv = header.format_version else {
            throw PlanFileError.notAPlan(path)
        }
        guard fv == Plan.formatVersion else { throw PlanFileError.format(path, fv) }
        if let v = header.ogf_version, v != OGFVersion.current { throw PlanFileError.version(path, v) }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        do {
            return try d.decode(Plan.self, from: data)
        } catch {
            throw PlanFileError.notAPlan(path)
        }
    }
}

public enum PlanFileError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case notAPlan(String)
    case format(String, Int)
    case version(String, String)

    public var description: String {
        switch self {
        case .unreadable(let p, let why): return "cannot read plan file \(p): \(why)"
        case .notAPlan(let p): return "\(p) is not an ogf plan file (make one with `ogf plan ENV -out \(p)`)"
        case .format(let p, let v): return "\(p) has plan format \(v); this ogf reads format \(Plan.formatVersion). Run `ogf plan` again with this ogf."
        case .version(let p, let v): return "\(p) was made by ogf \(v), but this is ogf \(OGFVersion.current). A plan is applied by the version that made it: run `ogf plan` again with this ogf."
        }
    }
}
