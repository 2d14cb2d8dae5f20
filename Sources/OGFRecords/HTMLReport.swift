import Foundation
import OGFCore

/// The report as one self-contained HTML page: the timeline and evidence charts as inline SVG,
/// system fonts, no script, nothing fetched from the network (opens offline, in CI artefacts).
public enum HTMLReport {
    public static func render(_ r: DeployRecord) -> String {
        let e = HTMLText.escape
        var o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        o += "<title>\(e(r.environment)) \(e(r.operation)) #\(r.run): \(e(r.outcome))</title><style>\(HTMLText.baseStyle)</style></head><body>\n"
        o += "<h1>\(e(r.environment)): \(e(r.operation)) <span class=\"\(r.succeeded ? "ok" : "bad")\">\(e(r.outcome))</span></h1>\n"
        o += "<table class=\"summary\">"
        let rows: [(String, String)] = [
            ("Environment", e(r.environment)), ("Release", e(r.release ?? "—")), ("Run", "#\(r.run) (\(e(r.operation)))"),
            ("Who", "\(e(r.user))@\(e(r.host)) (ogf \(e(r.ogfVersion)))"),
            ("When", "\(ReportText.date(r.startedAt)) → \(ReportText.date(r.finishedAt)) (\(e(ReportText.seconds(r.duration))))"),
            ("Plan", "\(e(r.planSummary)) <code>\(e(String(r.planHash.prefix(16))))</code>"),
        ] + (r.traceID.map { [("Trace", "<code>\(e($0))</code>")] } ?? [])
        for (k, v) in rows { o += "<tr><th>\(k)</th><td>\(v)</td></tr>" }
        o += "</table>\n"
        if let p = r.policyOverride {
            o += "<p class=\"warn\"><strong>Deploy policy overridden</strong> by \(e(p.user))@\(e(p.host)) at \(ReportText.date(p.at)): \(e(p.reason)). Blocked: \(e(p.blocked))</p>\n"
        }
        if let rb = r.rollback {
            o += "<h2>Rollbacks</h2><ul>"
            if let to = rb.to { o += "<li>This run rolled back to release <strong>\(e(to))</strong>.</li>" }
            for t in rb.triggers { o += "<li>\(e(t))</li>" }
            o += "</ul>\n"
        }
        if !r.warnings.isEmpty {
            o += "<h2>Warnings</h2><ul class=\"warnings\">" + r.warnings.map { "<li class=\"warn\">\(e($0))</li>" }.joined() + "</ul>\n"
        }
        o += "<h2>Timeline</h2>\n<p>One bar per resource; the critical path is dark blue, failures red, resources that did not run grey.</p>\n"
        o += TimelineSVG.render(r) + "\n"
        if !r.releases.isEmpty {
            o += "<h2>Releases made</h2><table><tr><th>Resource</th><th>Release</th><th>Version</th><th>Images</th></tr>"
            for rel in r.releases {
                let images = rel.images.keys.sorted().map { "<code>\(e($0))</code>: <code>\(e(rel.images[$0]!))</code>" }.joined(separator: "<br>")
                o += "<tr><td><code>\(e(rel.address))</code></td><td>\(rel.release)</td><td>\(e(rel.version ?? "—"))</td><td>\(images)</td></tr>"
            }
            o += "</table>\n"
        }
        o += "<h2>Resources</h2><table class=\"resources\"><tr><th>Resource</th><th>Action</th><th>Outcome</th><th>Start</th><th>Duration</th></tr>"
        for x in r.resources {
            o += "<tr><td><code>\(e(x.address))</code></td><td>\(e(x.action))</td><td class=\"\(x.outcome == .succeeded ? "ok" : "bad")\">\(x.outcome.rawValue)</td>"
            o += "<td>\(x.start.map { "+" + e(ReportText.seconds($0)) } ?? "—")</td><td>\(e(ReportText.seconds(x.duration)))\(x.critical ? " (critical)" : "")</td></tr>"
        }
        o += "</table>\n"
        let checks = r.resources.filter(\.isCheck)
        if !checks.isEmpty { o += "<h2>Checks and gates</h2>\n" + checks.map(detail).joined() }
        let changed = r.resources.filter { !$0.isCheck }
        if !changed.isEmpty { o += "<h2>Changes</h2>\n" + changed.map(detail).joined() }
        return o + "</body></html>\n"
    }

    static func detail(_ x: ResourceRecord) -> String {
        let e = HTMLText.escape
        var o = "<h3><code>\(e(x.address))</code> <span class=\"\(x.outcome == .succeeded ? "ok" : "bad")\">\(x.outcome.rawValue)</span></h3>\n"
        if let s = x.summary { o += "<p>\(e(s))</p>" }
        if let m = x.message { o += "<pre>\(e(m))</pre>" }
        if !x.changes.isEmpty { o += "<ul>" + x.changes.map { "<li><code>\(e($0))</code></li>" }.joined() + "</ul>" }
        let lines = ReportText.flatten(x.evidence)
        if !lines.isEmpty {
            o += "<table class=\"evidence\"><tr><th>Evidence</th><th>Value</th></tr>"
            for (k, v) in lines { o += "<tr><td><code>\(e(k))</code></td><td>\(e(v))</td></tr>" }
            o += "</table>"
        }
        for (name, values) in ReportText.series(x.evidence) { o += TimelineSVG.chart(title: name, values: values) }
        return o + "\n"
    }
}
