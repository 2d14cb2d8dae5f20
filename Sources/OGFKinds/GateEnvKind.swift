import Foundation
import OGFCore

/// `gate_env`: required environment variables are set, non-empty, and optionally match a pattern.
public struct GateEnvKind: ResourceKind {
    public init() {}

    public let name = "gate_env"
    public let role = ResourceRole.gate
    public let summary = "Pre-flight: required environment variables are set and non-empty, optionally matching a pattern."
    public let schema = Schema([
        FieldSpec("names", .list(.string), required: true, doc: "Variables that must be set and non-empty (process environment or env_file)."),
        FieldSpec("pattern", .string, doc: "A regular expression every listed variable's whole value must match."),
        FieldSpec("patterns", .map(.string), doc: "Per-variable regular expressions: NAME: regex (whole value)."),
    ])

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        if let problems = try? check(request.config, request.context), !problems.isEmpty {
            r.diagnostics.append(.warning("\(request.address) will fail: \(problems.joined(separator: "; "))"))
        }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let problems = try check(request.config, request.context)
        guard problems.isEmpty else {
            throw ResourceFailure(problems.joined(separator: "; ") + ". Set them in the process environment or in the environment's env_file.")
        }
        let n = request.config["names"]?.listValue?.count ?? 0
        return ApplyResponse(summary: "\(n) variable\(n == 1 ? "" : "s") set")
    }

    func check(_ config: [String: Value], _ ctx: KindContext) throws -> [String] {
        let names = config["names"]?.listValue?.compactMap(\.stringValue) ?? []
        let global = config["pattern"]?.stringValue
        let per = config["patterns"]?.mapValue?.compactMapValues(\.stringValue) ?? [:]
        var problems: [String] = []
        for n in names {
            guard let v = ctx.variables[n], !v.isEmpty else {
                problems.append(ctx.variables[n] == nil ? "\(n) is not set" : "\(n) is empty")
                continue
            }
            for p in [global, per[n]].compactMap({ $0 }) {
                guard let re = try? NSRegularExpression(pattern: "^(?:\(p))$") else {
                    throw ResourceFailure("invalid pattern \"\(p)\"")
                }
                if re.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) == nil {
                    problems.append("\(n) does not match \(p)")
                }
            }
        }
        return problems
    }
}
