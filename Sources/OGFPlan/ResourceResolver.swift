import OGFConfig
import OGFCore

/// Evaluates one resource's fields into the values its kind receives: references resolved,
/// schema defaults filled, fields the schema calls sensitive marked, types checked again now
/// that environment values are known. Plan and apply both use it, so they agree.
public struct ResourceResolver: Sendable {
    public var registry: KindRegistry
    public var evaluator: Evaluator

    public init(registry: KindRegistry, evaluator: Evaluator) {
        self.registry = registry
        self.evaluator = evaluator
    }

    public func resolve(_ rc: ResourceConfig, diagnostics: inout [Diagnostic]) -> [String: Value] {
        guard let kind = registry[rc.address.kind] else { return [:] }
        var out: [String: Value] = [:]
        let schema = kind.schema  // once: it is an existential's property, read per field otherwise
        for (name, expr) in rc.fields {
            var v = evaluator.evaluate(expr, diagnostics: &diagnostics)
            if let spec = schema.field(name) {
                if spec.sensitive, !v.isSensitive { v = .sensitive(v) }
                if v.isKnown, let msg = spec.type.check(v) {
                    diagnostics.append(.error("\(rc.address).\(name): \(msg)", at: expr.location))
                }
            }
            out[name] = v
        }
        return schema.withDefaults(out)
    }
}
