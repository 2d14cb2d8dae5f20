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

    struct Config: Decodable {
        var names: [String]
        /// Compiled once; an invalid expression is an error at its field.
        var pattern: NSRegularExpression?
        var patterns: [String: NSRegularExpression]

        enum CodingKeys: String, CodingKey { case names, pattern, patterns }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            names = try c.decode([String].self, forKey: .names)
            pattern = try c.decodeIfPresent(String.self, forKey: .pattern).map { try Self.compile($0, field: "pattern") }
            patterns = try (c.decodeIfPresent([String: String].self, forKey: .patterns) ?? [:])
                .reduce(into: [:]) { out, e in out[e.key] = try Self.compile(e.value, field: "patterns.\(e.key)") }
        }

        static func compile(_ p: String, field: String) throws -> NSRegularExpression {
            do { return try NSRegularExpression(pattern: "^(?:\(p))$") } catch {
                throw Diagnostic.field(field, "\"\(p)\" is not a valid regular expression")
            }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        if let c = try request.decodeIfKnown(Config.self) {
            let problems = check(c, request.context)
            if !problems.isEmpty { r.diagnostics.append(.warning("\(request.address) will fail: \(problems.joined(separator: "; "))")) }
        }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let problems = check(c, request.context)
        guard problems.isEmpty else {
            throw ResourceFailure(problems.joined(separator: "; ") + ". Set them in the process environment or in the environment's env_file.")
        }
        let n = c.names.count
        return ApplyResponse(summary: "\(n) variable\(n == 1 ? "" : "s") set")
    }

    func check(_ c: Config, _ ctx: KindContext) -> [String] {
        var problems: [String] = []
        for n in c.names {
            guard let v = ctx.variables[n], !v.isEmpty else {
                problems.append(ctx.variables[n] == nil ? "\(n) is not set" : "\(n) is empty")
                continue
            }
            for re in [c.pattern, c.patterns[n]].compactMap({ $0 }) where re.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) == nil {
                problems.append("\(n) does not match \(re.pattern.dropFirst(4).dropLast(2))")
            }
        }
        return problems
    }
}
