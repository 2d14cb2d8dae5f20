extension Value {
    /// JSON text with sorted keys; `unknown` and sensitive values become `null` (callers that
    /// need to say which were unknown or sensitive list those paths separately).
    public func jsonText(pretty: Bool = true) -> String {
        var out = ""
        writeJSON(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func writeJSON(into out: inout String, indent: Int?) {
        let nl = indent == nil ? "" : "\n"
        func pad(_ n: Int) -> String { indent == nil ? "" : String(repeating: "  ", count: n) }
        switch self {
        case .list(let xs):
            if xs.isEmpty { out += "[]"; return }
            out += "[" + nl
            for (i, x) in xs.enumerated() {
                out += pad((indent ?? 0) + 1)
                x.writeJSON(into: &out, indent: indent.map { $0 + 1 })
                out += (i < xs.count - 1 ? "," : "") + nl
            }
            out += pad(indent ?? 0) + "]"
        case .map(let m):
            if m.isEmpty { out += "{}"; return }
            out += "{" + nl
            let keys = m.keys.sorted()
            for (i, k) in keys.enumerated() {
                out += pad((indent ?? 0) + 1) + Value.quoted(k) + (indent == nil ? ":" : ": ")
                m[k]!.writeJSON(into: &out, indent: indent.map { $0 + 1 })
                out += (i < keys.count - 1 ? "," : "") + nl
            }
            out += pad(indent ?? 0) + "}"
        case .unknown, .sensitive, .redacted: out += "null"
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? Value.format(d) : "null"
        case .string(let s): out += Value.quoted(s)
        }
    }

    /// Paths of unknown values (`field`, `field.key`, `field[1]`).
    public func unknownPaths(prefix: String = "") -> [String] {
        switch self {
        case .unknown: return [prefix]
        case .sensitive(let v): return v.unknownPaths(prefix: prefix)
        case .list(let xs): return xs.enumerated().flatMap { $0.element.unknownPaths(prefix: "\(prefix)[\($0.offset)]") }
        case .map(let m): return m.keys.sorted().flatMap { k in m[k]!.unknownPaths(prefix: prefix.isEmpty ? k : "\(prefix).\(k)") }
        default: return []
        }
    }
}
