import Foundation
import OGFCore

/// The plan as a pull-request comment: the summary first, each resource in a collapsible
/// section, the whole kept under a size limit (GitHub rejects comments over 65,536 characters).
public struct MarkdownRenderer: Sendable {
    public var limit: Int

    public init(limit: Int = 60_000) { self.limit = limit }

    public func render(_ plan: Plan, planFile: String? = nil) -> String {
        let s = plan.summary
        var override = ""
        if let o = plan.policyOverride {
            override = "> **Deploy policy overridden** by \(escape(o.user))@\(escape(o.host)) at \(ISO8601DateFormatter().string(from: o.at)): \(escape(o.reason))\n> blocked: \(escape(o.blocked))\n\n"
        }
        var head = override + "### ogf \(plan.operation == .apply ? "plan" : "\(plan.operation.operationName)"): `\(plan.environment)`\(plan.isProtected ? " (protected)" : "")\n\n"
        if let p = plan.promotion {
            head += "**Promotion from `\(escape(p.from))`\(p.releaseID.map { " (release #\($0))" } ?? ""): \(p.passed ? "passed" : "blocked").**\n\n"
            for l in p.lines { head += "- \(l.ok ? "✓" : "✗") \(escape(l.text))\n" }
            if !p.passed, let fix = p.fix { head += "\n> **Blocked:** \(escape(fix)).\n" }
            head += "\n"
        }
        if s.hasChanges || s.checks > 0 || s.runs > 0 {
            head += "**Plan: \(s.text).**\n\n"
        } else {
            head += "**No changes.** The deployment matches its configuration.\n\n"
        }
        let visible = plan.changes.filter { $0.action != .noop }
        if !visible.isEmpty {
            head += "| | resource | action |\n|---|---|---|\n"
            // The table gets at most a third of the budget; the rest goes to the details.
            for (i, c) in visible.enumerated() {
                let row = "| `\(c.action.symbol)` | `\(c.address)` | \(c.action.verbPhrase)\(c.reasons.isEmpty ? "" : " (\(c.reasons.joined(separator: "; ")))") |\n"
                if head.count + row.count > limit / 3 {
                    head += "| | … and \(visible.count - i) more | |\n"
                    break
                }
                head += row
            }
            head += "\n"
        }
        for w in plan.warnings { head += "> **\(w.severity.rawValue):** \(escape((w.location.map { "\($0): " } ?? "") + w.summary + (w.detail.map { "\n" + $0 } ?? "")))\n" }
        if !plan.warnings.isEmpty { head += "\n" }

        let footer = "<sub>ogf \(plan.ogfVersion) · state serial \(plan.stateSerial) · plan \(plan.hash.prefix(12))</sub>\n"
        var body = ""
        var omitted = 0
        let text = TextRenderer(style: TextStyle(color: false))
        for (i, c) in visible.enumerated() {
            let section = "<details><summary><code>\(c.action.symbol) \(c.address)</code> \(c.action.verbPhrase)</summary>\n\n```diff\n\(diffText(text.renderChange(c)))```\n\n</details>\n"
            let note = truncationNote(remaining: visible.count - i, planFile: planFile)
            if head.count + body.count + section.count + footer.count + note.count > limit {
                omitted = visible.count - i
                break
            }
            body += section
        }
        if omitted > 0 { body += "\n" + truncationNote(remaining: omitted, planFile: planFile) }
        return head + body + "\n" + footer
    }

    func truncationNote(remaining: Int, planFile: String?) -> String {
        let cmd = planFile.map { "`ogf show \($0)`" } ?? "`ogf show PLANFILE`"
        return "> **Truncated:** \(remaining) more resource\(remaining == 1 ? "" : "s") not shown to stay under GitHub's comment size limit. Run \(cmd) to see the whole plan.\n"
    }

    /// Puts Terraform-style symbols in the first column so GitHub colours the diff block.
    func diffText(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let t = line.drop { $0 == " " }
            if t.hasPrefix("+ ") || t.hasPrefix("+\u{20}") { return "+" + line.dropFirst() }
            if t.hasPrefix("- ") { return "-" + line.dropFirst() }
            if t.hasPrefix("~ ") { return "!" + line.dropFirst() }
            return String(line)
        }.joined(separator: "\n")
    }

    func escape(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: "  \n") }
}
