import Foundation

/// The apply drawn as inline SVG: one bar per resource (a `rect` of class `bar`), the critical
/// path darker, failures red, resources that never ran grey at the end. No script.
public enum TimelineSVG {
    public static func render(_ r: DeployRecord, width: Double = 1100) -> String {
        let rowH = 18.0, labelW = 300.0, pad = 30.0
        let plotW = width - labelW - 20
        let ends = r.resources.compactMap { x in x.start.map { $0 + (x.duration ?? 0) } }
        let total = max(ends.max() ?? 0, r.duration, 0.001)
        let rows = r.resources.sorted { ($0.start ?? .infinity, $0.address) < ($1.start ?? .infinity, $1.address) }
        let height = Double(rows.count) * rowH + pad + 10
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" role=\"img\" width=\"\(HTMLText.n(width))\" height=\"\(HTMLText.n(height))\" "
        o += "viewBox=\"0 0 \(HTMLText.n(width)) \(HTMLText.n(height))\" aria-label=\"timeline of \(rows.count) resources\">\n"
        // Time axis: five ticks.
        for i in 0...4 {
            let t = total * Double(i) / 4
            let x = labelW + plotW * Double(i) / 4
            o += "<line x1=\"\(HTMLText.n(x))\" y1=\"\(HTMLText.n(pad - 6))\" x2=\"\(HTMLText.n(x))\" y2=\"\(HTMLText.n(height))\" stroke=\"#eaeef2\"/>"
            o += "<text x=\"\(HTMLText.n(x))\" y=\"\(HTMLText.n(pad - 10))\" text-anchor=\"middle\">\(HTMLText.escape(ReportText.seconds(t)))</text>\n"
        }
        for (i, x) in rows.enumerated() {
            let y = pad + Double(i) * rowH
            let start = x.start ?? total
            let bx = labelW + plotW * start / total
            let bw = max(2, plotW * (x.duration ?? 0) / total)
            var cls = "bar \(x.outcome.rawValue)"
            if x.critical && x.outcome == .succeeded { cls += " critical" }
            let tip = "\(x.address) \(x.action) \(x.outcome.rawValue)" + (x.duration.map { " in \(ReportText.seconds($0))" } ?? "") + (x.critical ? " (critical path)" : "")
            o += "<text x=\"\(HTMLText.n(labelW - 6))\" y=\"\(HTMLText.n(y + 12))\" text-anchor=\"end\">\(HTMLText.escape(x.address))</text>"
            o += "<rect class=\"\(cls)\" data-address=\"\(HTMLText.escape(x.address))\" x=\"\(HTMLText.n(bx))\" y=\"\(HTMLText.n(y + 2))\" "
            o += "width=\"\(HTMLText.n(bw))\" height=\"\(HTMLText.n(rowH - 5))\" rx=\"2\"><title>\(HTMLText.escape(tip))</title></rect>\n"
        }
        return o + "</svg>"
    }

    /// A small line chart of one numeric series (watch measurements, samples).
    public static func chart(title: String, values: [Double], width: Double = 360, height: Double = 120) -> String {
        let lo = min(values.min() ?? 0, 0), hi = max(values.max() ?? 1, lo + 1e-9)
        let left = 50.0, top = 18.0, plotW = width - left - 10, plotH = height - top - 20
        func pt(_ i: Int, _ v: Double) -> String {
            let x = left + (values.count > 1 ? plotW * Double(i) / Double(values.count - 1) : 0)
            let y = top + plotH * (1 - (v - lo) / (hi - lo))
            return "\(HTMLText.n(x)),\(HTMLText.n(y))"
        }
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(HTMLText.n(width))\" height=\"\(HTMLText.n(height))\" viewBox=\"0 0 \(HTMLText.n(width)) \(HTMLText.n(height))\">"
        o += "<text x=\"\(HTMLText.n(left))\" y=\"12\">\(HTMLText.escape(title))</text>"
        o += "<line x1=\"\(HTMLText.n(left))\" y1=\"\(HTMLText.n(top + plotH))\" x2=\"\(HTMLText.n(left + plotW))\" y2=\"\(HTMLText.n(top + plotH))\" stroke=\"#8c959f\"/>"
        o += "<text x=\"\(HTMLText.n(left - 4))\" y=\"\(HTMLText.n(top + 8))\" text-anchor=\"end\">\(HTMLText.escape(num(hi)))</text>"
        o += "<text x=\"\(HTMLText.n(left - 4))\" y=\"\(HTMLText.n(top + plotH))\" text-anchor=\"end\">\(HTMLText.escape(num(lo)))</text>"
        o += "<polyline class=\"series\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"\(values.enumerated().map { pt($0.offset, $0.element) }.joined(separator: " "))\"/>"
        return o + "</svg>"
    }

    static func num(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e12 ? String(Int(d)) : String(format: "%.3g", d)
    }
}
