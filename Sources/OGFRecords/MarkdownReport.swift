import Foundation
import OGFCore

/// The report as Markdown: for a pull request, a wiki page or a CI summary.
public enum MarkdownReport {
    public static func render(_ r: DeployRecord) -> String {
        var o = "# \(r.environment): \(r.operation) \(r.outcome)\n\n"
        o += "| | |\n|---|---|\n"
        o += "| Environment | \(cell(r.environment)) |\n"
        o += "| Release | \(cell(r.release ?? "—")) |\n"
        o += "| Outcome | **\(r.outcome)** |\n"
        o += "| Run | #\(r.run) (\(cell(r.operation))) |\n"
        o += "| Who | \(cell(r.user))@\(cell(r.host)) (ogf \(r.ogfVersion)) |\n"
        o += "| When | \(ReportText.date(r.startedAt)) → \(ReportText.date(r.finishedAt)) (\(ReportText.seconds(r.duration))) |\n"
        o += "| Plan | \(cell(r.planSummary)) `\(r.planHash.prefix(16))` |\n"
        if let t = r.traceID { o += "| Trace | `\(t)` |\n" }
        if let p = r.policyOverride {
            o += "\n> **Deploy policy overridden** by \(cell(p.user))@\(cell(p.host)) at \(ReportText.date(p.at)): \(cell(p.reason))  \n> Blocked: \(cell(p.blocked))\n"
        }
        if let rb = r.rollback {
            o += "\n## Rollbacks\n\n"
            if let to = rb.to { o += "- This run rolled back to release **\(cell(to))**.\n" }
            for t in rb.triggers { o += "- \(cell(t))\n" }
        }
        if !r.warnings.isEmpty {
            o += "\n## Warnings\n\n" + r.warnings.map { "- \(cell($0))\n" }.joined()
        }
        if !r.releases.isEmpty {
            o += "\n## Releases made\n\n| Resource | Release | Version | Images |\n|---|---|---|---|\n"
            for rel in r.releases {
                let images = rel.images.keys.sorted().map { "`\($0)`: `\(rel.images[$0]!)`" }.joined(separator: "<br>")
                o += "| \(rel.address) | \(rel.release) | \(cell(rel.version ?? "—")) | \(images.isEmpty ? "—" : images) |\n"
            }
        }
        o += "\n## Resources\n\n| Resource | Action | Outcome | Start | Duration | Critical path |\n|---|---|---|---|---|---|\n"
        for x in r.resources {
            o += "| `\(x.address)` | \(x.action) | \(x.outcome == .succeeded ? x.outcome.rawValue : "**\(x.outcome.rawValue)**") | "
                + "\(x.start.map { "+" + ReportText.seconds($0) } ?? "—") | \(ReportText.seconds(x.duration)) | \(x.critical ? "yes" : "") |\n"
        }
        let checks = r.resources.filter(\.isCheck)
        if !checks.isEmpty {
            o += "\n## Checks and gates\n"
            for x in checks { o += detail(x) }
        }
        let changed = r.resources.filter { !$0.isCheck }
        if !changed.isEmpty {
            o += "\n## Changes\n"
            for x in changed { o += detail(x) }
        }
        return o
    }

    static func detail(_ x: ResourceRecord) -> String {
        var o = "\n### `\(x.address)` — \(x.outcome.rawValue)\n\n"
        if let s = x.summary { o += "\(cell(s))\n\n" }
        if let m = x.message { o += "```\n\(m.replacingOccurrences(of: "```", with: "'''"))\n```\n\n" }
        if !x.changes.isEmpty { o += x.changes.map { "- \(cell($0))\n" }.joined() + "\n" }
        let lines = ReportText.flatten(x.evidence)
        if !lines.isEmpty {
            o += "| Evidence | Value |\n|---|---|\n"
            for (k, v) in lines { o += "| `\(k)` | \(cell(v)) |\n" }
        }
        return o
    }

    /// Text safe inside a table cell: pipes escaped, newlines as <br>.
    static func cell(_ s: String) -> String {
        // Most cells need nothing: scanning the bytes is far cheaper than Foundation's replace.
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "\n") }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "|": out += "\\|"
            case "\n": out += "<br>"
            default: out.append(c)
            }
        }
        return out
    }
}
