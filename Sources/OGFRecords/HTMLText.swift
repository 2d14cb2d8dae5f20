/// Escaping for HTML text and attribute values.
enum HTMLText {
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Numbers in SVG coordinates: two decimals, no exponent.
    static func n(_ d: Double) -> String {
        let r = (d * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// The page's style: system fonts only, nothing fetched from the network.
    static let baseStyle = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1f2328;max-width:1200px}
    h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
    table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
    th{background:#f6f8fa}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
    pre{background:#f6f8fa;padding:.5rem;white-space:pre-wrap}
    .ok{color:#1a7f37}.bad{color:#cf222e;font-weight:bold}.warn{color:#9a6700}
    .bar.succeeded{fill:#54aeff}.bar.critical{fill:#0550ae}.bar.failed{fill:#cf222e}.bar.skipped,.bar.not_started{fill:#d0d7de}.bar.stopped{fill:#fb8f44}
    svg text{font-family:ui-monospace,Menlo,monospace;font-size:11px;fill:#1f2328}
    """
}
