import Foundation
import OGFCore

/// Renders a plan the way Terraform users read one: a symbol per resource, attribute-level
/// `before → after`, then the summary line. Deterministic: resources in address order.
public struct TextRenderer: Sendable {
    public var style: TextStyle

    public init(style: TextStyle = TextStyle(color: false)) { self.style = style }

    public func render(_ plan: Plan) -> String {
        var out = ""
        let visible = plan.changes.filter { $0.action != .noop }
        let promotion = plan.promotion.map { renderPromotion($0) + "\n" } ?? ""
        if visible.isEmpty {
            out += promotion + style.green(style.bold("No changes.")) + " The deployment of \(plan.environment) matches its configuration.\n"
            return out
        }
        if let o = plan.policyOverride {
            out += style.yellow(style.bold("Deploy policy overridden")) + " by \(o.user)@\(o.host) at \(ISO8601DateFormatter().string(from: o.at)): \(o.reason)\n"
            out += style.yellow("  blocked: \(o.blocked)") + "\n\n"
        }
        out += promotion
        switch plan.operation {
        case .apply:
            out += "ogf will perform the following actions on \(style.bold(plan.environment))\(plan.isProtected ? " (protected)" : ""):\n"
        case .rollback(let v, _):
            out += "ogf will roll \(style.bold(plan.environment))\(plan.isProtected ? " (protected)" : "") back to release \(style.bold(v)):\n"
        }
        for c in visible {
            out += "\n" + renderChange(c)
        }
        if !plan.warnings.isEmpty {
            out += "\n"
            for w in plan.warnings { out += style.yellow(w.description) + "\n" }
        }
        out += "\n" + summaryLine(plan.summary) + "\n"
        return out
    }

    /// The promotion gate, one line per check: `✓ image.api sha256:ab12… verified in staging 3h ago`.
    public func renderPromotion(_ p: PromotionReport) -> String {
        var out = style.bold("Promotion from \(p.from)") + (p.releaseID.map { " (release #\($0))" } ?? "") + ":\n"
        for l in p.lines {
            out += "  " + (l.ok ? style.green("✓") : style.red("✗")) + " \(l.text)\n"
        }
        if !p.passed, let fix = p.fix {
            out += "  " + style.red(style.bold("Blocked:")) + " \(fix).\n"
        }
        return out
    }

    public func renderChange(_ c: ResourceChange) -> String {
        var header = "  # \(c.address) \(c.action.verbPhrase)"
        if !c.reasons.isEmpty { header += " (\(c.reasons.joined(separator: "; ")))" }
        var out = style.dim(header) + "\n"
        let symbol = c.action.symbol
        let pad = String(repeating: " ", count: max(0, 3 - symbol.count))
        out += pad + style.forAction(c.action, style.bold(symbol)) + " " + style.bold(c.address.description) + "\n"
        let lines = AttributeDiff.lines(for: c)
        let shown = lines.filter { $0.kind != .unchanged || c.action == .check }
        let width = shown.map(\.key.count).max() ?? 0
        for l in shown {
            let key = l.key.padding(toLength: width, withPad: " ", startingAt: 0)
            switch l.kind {
            case .added: out += "      " + style.green("+") + " \(key) = \(l.after!.description)\n"
            case .removed: out += "      " + style.red("-") + " \(key) = \(l.before!.description)\n"
            case .changed:
                out += "      " + style.yellow("~") + " \(key) = \(l.before!.description) → \(l.after!.description)"
                out += l.forcesReplacement ? style.red(" # forces replacement") + "\n" : "\n"
            case .unchanged: out += "        \(key) = \(l.after!.description)\n"
            }
        }
        let hidden = lines.count - shown.count
        if hidden > 0 { out += style.dim("        (\(hidden) unchanged attribute\(hidden == 1 ? "" : "s") hidden)") + "\n" }
        for d in c.details { out += "      \(d)\n" }
        return out
    }

    public func summaryLine(_ s: Plan.Summary) -> String {
        style.bold("Plan:") + " \(s.text)."
    }
}
