import OGFCore

/// Checks every resource against its kind's schema and every reference against what exists,
/// reporting each problem at its exact location. Runs before anything else does.
struct SchemaChecker {
    var registry: KindRegistry
    var variables: [String: VariableConfig]

    func check(_ config: EnvironmentConfig, into diags: inout Diagnostics) {
        var varDiags: [Diagnostic] = []
        let values = Evaluator.resolveVariables(variables, environment: nil, envFile: nil, diagnostics: &varDiags)
        diags.append(contentsOf: varDiags)
        // Only for "did you mean" in errors: not built for a configuration without any.
        func addresses() -> [String] { config.resources.keys.map(\.description) }
        for address in config.sortedAddresses {
            let rc = config.resources[address]!
            guard let kind = registry[address.kind] else { continue }
            let schema = kind.schema
            for name in rc.fields.keys.sorted() {
                guard let spec = schema.field(name) else {
                    let allowed = schema.fields.map(\.name) + Schema.metaFields.map(\.name)
                    diags.append(.error("unknown field \"\(name)\" for \(address.kind).\(Suggestion.didYouMean(name, allowed))",
                                        detail: "\(address.kind) accepts: \(allowed.joined(separator: ", ")).", code: .unknownField, at: rc.fieldLocations[name]))
                    continue
                }
                checkType(rc.fields[name]!, spec.type, field: name, values: values, into: &diags)
            }
            for spec in schema.fields where spec.required && rc.fields[spec.name] == nil {
                diags.append(.error("\(address): missing required field \"\(spec.name)\"", detail: "\(spec.name): \(spec.doc)", code: .missingField, at: rc.location))
            }
            for (ref, loc) in rc.fields.values.flatMap(\.references) {
                switch ref {
                case .variable(let n) where variables[n] == nil:
                    diags.append(.error("unknown variable \"\(n)\".\(Suggestion.didYouMean(n, variables.keys))",
                                        detail: "Define it under variables: in the environment or a blueprint.", code: .unknownReference, at: loc))
                case .resource(let target, let path):
                    if target == address {
                        diags.append(.error("\(address) references its own output", code: .unknownReference, at: loc))
                    } else if let other = config.resources[target] {
                        let outs = registry[other.address.kind]?.outputs ?? [:]
                        if !outs.isEmpty, outs[path[0]] == nil {
                            diags.append(.error("\(target.kind) has no output \"\(path[0])\".\(Suggestion.didYouMean(path[0], outs.keys))",
                                                detail: "Outputs of \(target.kind): \(outs.keys.sorted().joined(separator: ", ")).", code: .unknownReference, at: loc))
                        }
                    } else {
                        diags.append(.error("reference to undeclared resource \(target).\(Suggestion.didYouMean(target.description, addresses()))", code: .unknownReference, at: loc))
                    }
                default: break
                }
            }
            for dep in rc.dependsOn where config.resources[dep.address] == nil {
                diags.append(.error("depends_on: undeclared resource \(dep.address).\(Suggestion.didYouMean(dep.address.description, addresses()))", code: .unknownReference, at: dep.location))
            }
            for f in rc.addressFields where config.resources[f.address] == nil {
                diags.append(.error("\(f.field): undeclared resource \(f.address).\(Suggestion.didYouMean(f.address.description, addresses()))", code: .unknownReference, at: f.location))
            }
            for f in rc.addressFields where f.address == address {
                diags.append(.error("\(f.field): \(address) names itself", code: .dependencyCycle, at: f.location))
            }
            for dep in rc.dependsOn where dep.address == address {
                diags.append(.error("\(address) depends on itself", code: .dependencyCycle, at: dep.location))
            }
        }
    }

    /// Checks an expression against a field type, descending into lists and mappings so a wrong
    /// nested key is reported where it is written.
    func checkType(_ expr: Expr, _ type: FieldType, field: String, values: [String: Value], into diags: inout Diagnostics) {
        switch (expr.content, type) {
        case (_, .any): return
        case (.literal(let v), _):
            if let msg = type.check(v) { diags.append(.error("\(field): \(msg)", code: .wrongType, at: expr.location)) }
        case (.template(let t), _):
            if t.isSingleReference, case .variable(let n)? = t.references.first?.0, let v = values[n] {
                if let msg = type.check(v) { diags.append(.error("\(field): \(msg) (from var.\(n))", code: .wrongType, at: expr.location)) }
            } else if !t.isSingleReference {
                switch type {
                case .string, .duration, .oneOf: break
                default: diags.append(.error("\(field): expected \(type), got a string", code: .wrongType, at: expr.location))
                }
            }
        case (.list(let xs), .list(let inner)):
            for x in xs { checkType(x, inner, field: field, values: values, into: &diags) }
        case (.map(let es), .map(let inner)):
            for e in es { checkType(e.value, inner, field: "\(field).\(e.key)", values: values, into: &diags) }
        case (.map(let es), .object(let schema)):
            for e in es {
                guard let spec = schema.field(e.key) else {
                    diags.append(.error("unknown key \"\(e.key)\" in \(field).\(Suggestion.didYouMean(e.key, schema.fields.map(\.name)))",
                                        detail: "\(field) accepts: \(schema.fields.map(\.name).joined(separator: ", ")).", code: .wrongType, at: e.keyLocation))
                    continue
                }
                checkType(e.value, spec.type, field: "\(field).\(e.key)", values: values, into: &diags)
            }
            for spec in schema.fields where spec.required && !es.contains(where: { $0.key == spec.name }) {
                diags.append(.error("\(field): missing required key \"\(spec.name)\"", code: .missingField, at: expr.location))
            }
        case (.list, _):
            diags.append(.error("\(field): expected \(type), got a list", code: .wrongType, at: expr.location))
        case (.map, _):
            diags.append(.error("\(field): expected \(type), got a mapping", code: .wrongType, at: expr.location))
        }
    }
}
