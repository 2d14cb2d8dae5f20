import OGFCore

/// Turns expressions into values: variables, the environment, secrets and other resources'
/// outputs. Secrets come out marked sensitive, and anything built from one stays sensitive.
public struct Evaluator: Sendable {
    /// Variables already resolved (see `resolveVariables`).
    public var variables: [String: Value]
    /// The process environment merged with the env file, or nil when not known (validate).
    public var environment: [String: String]?
    /// A resource's outputs; nil means not known yet (it will change), so references are unknown.
    public var outputs: @Sendable (ResourceAddress) -> [String: Value]?
    /// The env file's name, for hints.
    public var envFile: String?

    public init(variables: [String: Value], environment: [String: String]?, envFile: String? = nil,
                outputs: @escaping @Sendable (ResourceAddress) -> [String: Value]? = { _ in nil }) {
        self.variables = variables
        self.environment = environment
        self.envFile = envFile
        self.outputs = outputs
    }

    public func evaluate(_ expr: Expr, diagnostics: inout [Diagnostic]) -> Value {
        switch expr.content {
        case .literal(let v): return v
        case .list(let xs): return .list(xs.map { evaluate($0, diagnostics: &diagnostics) })
        case .map(let es):
            var m: [String: Value] = [:]
            for e in es { m[e.key] = evaluate(e.value, diagnostics: &diagnostics) }
            return .map(m)
        case .template(let t):
            let refs = expr.references
            if t.isSingleReference, let (r, loc) = refs.first {
                return resolve(r, at: loc, diagnostics: &diagnostics)
            }
            var text = ""
            var unknown = false
            var sensitive = false
            var refIndex = 0
            for part in t.parts {
                switch part {
                case .literal(let s): text += s
                case .reference(let r, _):
                    let v = resolve(r, at: refs[refIndex].1, diagnostics: &diagnostics)
                    refIndex += 1
                    if v.isSensitive { sensitive = true }
                    if !v.isKnown { unknown = true; continue }
                    if let s = v.unmarked.stringValue {
                        text += s
                    } else {
                        diagnostics.append(.error("\(r) is \(v.typeName == "list" ? "a list" : v.typeName == "map" ? "a map" : v.typeName) and cannot be interpolated into a string",
                                                  detail: "Use it as the whole value (\"${\(r)}\") instead.", at: refs[refIndex - 1].1))
                    }
                }
            }
            if unknown { return sensitive ? .sensitive(.unknown) : .unknown }
            return sensitive ? .sensitive(.string(text)) : .string(text)
        }
    }

    func resolve(_ ref: Reference, at loc: SourceLocation, diagnostics: inout [Diagnostic]) -> Value {
        switch ref {
        case .variable(let n):
            guard let v = variables[n] else {
                diagnostics.append(.error("unknown variable \"\(n)\".\(Suggestion.didYouMean(n, variables.keys))", at: loc))
                return .unknown
            }
            return v
        case .env(let n), .secret(let n):
            guard let env = environment else { return .unknown }
            guard let v = env[n] else {
                let kind = if case .secret = ref { "secret" } else { "environment variable" }
                let hint = envFile.map { "Set it in the process environment or in \($0)." } ?? "Set it in the process environment, or name an env_file in the environment."
                diagnostics.append(.error("\(kind) \(n) is not set", detail: hint, at: loc))
                return .unknown
            }
            if case .secret = ref { return .sensitive(.string(v)) }
            return .string(v)
        case .resource(let a, let path):
            guard let outs = outputs(a) else { return .unknown }
            var cur: Value? = outs[path[0]]
            for key in path.dropFirst() {
                if case .unknown? = cur { return .unknown }
                cur = cur?[key]
            }
            return cur ?? .unknown
        }
    }

    /// Resolves variables, which may reference the environment, secrets and other variables.
    public static func resolveVariables(_ vars: [String: VariableConfig], environment: [String: String]?, envFile: String?,
                                        diagnostics: inout [Diagnostic]) -> [String: Value] {
        var done: [String: Value] = [:]
        var visiting: [String] = []
        func visit(_ name: String) -> Value {
            if let v = done[name] { return v }
            guard let def = vars[name] else { return .unknown }
            if let i = visiting.firstIndex(of: name) {
                diagnostics.append(.error("variable cycle: \((visiting[i...] + [name]).joined(separator: " → "))", at: def.location))
                return .unknown
            }
            visiting.append(name)
            defer { visiting.removeLast() }
            var inner: [String: Value] = [:]
            for (r, loc) in def.expr.references {
                switch r {
                case .variable(let n):
                    if vars[n] != nil { inner[n] = visit(n) }
                case .resource:
                    diagnostics.append(.error("variables cannot reference resource outputs (\(r))", detail: "Reference the output directly in the resource that needs it.", at: loc))
                default: break
                }
            }
            let ev = Evaluator(variables: inner.merging(done) { a, _ in a }, environment: environment, envFile: envFile)
            var d: [Diagnostic] = []
            let v = ev.evaluate(def.expr, diagnostics: &d)
            diagnostics.append(contentsOf: d)
            done[name] = v
            return v
        }
        for n in vars.keys.sorted() { _ = visit(n) }
        return done
    }
}
