import Foundation
import OGFCore

/// The machine-readable plan (`ogf plan --json`, `ogf show --json`). Its shape is versioned and
/// documented in docs/json-format.md; add fields freely, never change or remove one without
/// raising `formatVersion`'s major number.
public struct JSONRenderer: Sendable {
    public static let formatVersion = "1.0"

    public init() {}

    public func value(_ plan: Plan) -> Value {
        let s = plan.summary
        var changes: [Value] = []
        for c in plan.changes {
            var m: [String: Value] = [
                "address": .string(c.address.description),
                "kind": .string(c.address.kind),
                "name": .string(c.address.name),
                "role": .string(c.role.rawValue),
                "action": .string(c.action.rawValue),
                "reasons": .list(c.reasons.map(Value.string)),
                "before": c.before.map(Value.map) ?? .null,
                "after": c.after.map(Value.map) ?? .null,
                "after_unknown": .list((c.after.map(Value.map)?.unknownPaths() ?? []).map(Value.string)),
                "before_sensitive": .list((c.before.map(Value.map)?.sensitivePaths() ?? []).map(Value.string)),
                "after_sensitive": .list((c.after.map(Value.map)?.sensitivePaths() ?? []).map(Value.string)),
                "replace_paths": .list(c.replacePaths.map(Value.string)),
                "dependencies": .list(c.dependencies.map { .string($0.description) }),
                "details": .list(c.details.map(Value.string)),
            ]
            m["planned_outputs"] = .map(c.plannedOutputs)
            changes.append(.map(m))
        }
        return .map([
            "format_version": .string(Self.formatVersion),
            "ogf_version": .string(plan.ogfVersion),
            "environment": .string(plan.environment),
            "protected": .bool(plan.isProtected),
            "operation": Self.operation(plan.operation),
            "policy_override": plan.policyOverride.map { o in
                .map(["reason": .string(o.reason), "user": .string(o.user), "host": .string(o.host),
                      "at": .string(ISO8601DateFormatter().string(from: o.at)), "blocked": .string(o.blocked)])
            } ?? .null,
            "promotion": plan.promotion.map { p in
                .map(["from": .string(p.from), "from_lineage": p.fromLineage.map(Value.string) ?? .null, "release_id": p.releaseID.map(Value.int) ?? .null,
                      "passed": .bool(p.passed), "fix": p.fix.map(Value.string) ?? .null,
                      "evaluated_at": .string(ISO8601DateFormatter().string(from: p.evaluatedAt)),
                      "lines": .list(p.lines.map { .map(["subject": .string($0.subject), "text": .string($0.text), "ok": .bool($0.ok)]) })])
            } ?? .null,
            "created_at": .string(ISO8601DateFormatter().string(from: plan.createdAt)),
            "state": .map(["lineage": .string(plan.stateLineage), "serial": .int(plan.stateSerial)]),
            "input_digest": .string(plan.inputDigest),
            "plan_hash": .string(plan.hash),
            "targets": .list(plan.targets.map(Value.string)),
            "refresh": .bool(plan.refresh),
            "resource_changes": .list(changes),
            "summary": .map(["add": .int(s.add), "change": .int(s.change), "destroy": .int(s.destroy), "run": .int(s.runs), "checks": .int(s.checks),
                             "has_changes": .bool(s.hasChanges)]),
            "diagnostics": .list(plan.warnings.map(Self.diagnostic)),
        ])
    }

    public func render(_ plan: Plan) -> String { value(plan).jsonText() + "\n" }

    static func operation(_ o: OperationMode) -> Value {
        switch o {
        case .apply: return .map(["mode": "apply"])
        case .rollback(let v, let force): return .map(["mode": "rollback", "to": .string(v), "force": .bool(force)])
        }
    }

    public static func diagnostic(_ d: Diagnostic) -> Value {
        var m: [String: Value] = ["severity": .string(d.severity.rawValue), "summary": .string(d.summary)]
        if let detail = d.detail { m["detail"] = .string(detail) }
        if let code = d.code { m["code"] = .string(code.rawValue) }
        if let field = d.field { m["field"] = .string(field) }
        if let l = d.location { m["range"] = .map(["filename": .string(l.file), "line": .int(l.line), "column": .int(l.column)]) }
        return .map(m)
    }
}
