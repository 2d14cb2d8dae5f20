/// Just enough XML reading for the AWS Query APIs' small, flat responses (STS, IAM): the text of
/// an element by name, and the repeated `<member>` blocks of a list. Entities are decoded.
enum XMLText {
    /// The text of the first `<name>…</name>`, or nil.
    static func first(_ name: String, in xml: Substring) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return decode(String(xml[open.upperBound..<close.lowerBound]))
    }

    static func first(_ name: String, in xml: String) -> String? { first(name, in: Substring(xml)) }

    /// Each `<name>…</name>` block's inner text, in order.
    static func all(_ name: String, in xml: String) -> [Substring] {
        var out: [Substring] = []
        var rest = Substring(xml)
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            out.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func decode(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
