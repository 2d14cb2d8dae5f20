import OGFCore

/// `gate_secret`: required secrets are present and long enough. Values never leave memory: state
/// keeps a salted hash of each, so a plan can say a secret was rotated without knowing it.
public struct GateSecretKind: ResourceKind {
    public init() {}

    public let name = "gate_secret"
    public let role = ResourceRole.gate
    public let summary = "Pre-flight: required secrets are present and at least min_length characters long."
    public let schema = Schema([
        FieldSpec("names", .list(.string), required: true, doc: "Secrets that must be present (process environment or env_file)."),
        FieldSpec("min_length", .int, default: 32, doc: "Minimum length in characters (JWT and encryption keys need 32 or more)."),
    ])
    public let outputs = ["fingerprints": "Salted hashes of the secrets (in state only as hashes)."]

    struct Config: Decodable {
        var names: [String]
        var minLength: Int
        enum CodingKeys: String, CodingKey { case names, minLength = "min_length" }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        guard let c = try request.decodeIfKnown(Config.self) else { return r }
        let problems = check(c, request.context)
        if !problems.isEmpty {
            r.diagnostics.append(.warning("\(request.address) will fail: \(problems.joined(separator: "; "))"))
        }
        // Rotation shows in the plan: compare salted hashes with the last apply's.
        if let old = request.prior?.outputs["fingerprints"]?.mapValue {
            for n in c.names {
                guard let v = request.context.variables[n], case .redacted(let h)? = old[n] else { continue }
                if request.context.hashSecret(v) != h { r.details.append("\(n) changed since the last apply") }
            }
        }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let problems = check(c, request.context)
        guard problems.isEmpty else {
            throw ResourceFailure(problems.joined(separator: "; ") + ". Provide them through the process environment (your CI's secret store) or the env_file.")
        }
        var prints: [String: Value] = [:]
        for n in c.names { prints[n] = .sensitive(.string(request.context.variables[n] ?? "")) }
        let n = prints.count
        return ApplyResponse(outputs: ["fingerprints": .map(prints)], summary: "\(n) secret\(n == 1 ? "" : "s") present")
    }

    func check(_ c: Config, _ ctx: KindContext) -> [String] {
        let minLength = c.minLength
        var problems: [String] = []
        for n in c.names {
            guard let v = ctx.variables[n], !v.isEmpty else {
                problems.append("secret \(n) is missing")
                continue
            }
            if v.count < minLength { problems.append("secret \(n) is \(v.count) characters, shorter than \(minLength)") }
        }
        return problems
    }
}
