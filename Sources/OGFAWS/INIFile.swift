/// The AWS CLI's shared files (`~/.aws/credentials`, `~/.aws/config`): `[section]` headers and
/// `key = value` lines; `#` and `;` start comments. Nested (indented) sub-settings are ignored.
struct INIFile: Sendable {
    var sections: [String: [String: String]] = [:]

    init(_ text: String) {
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            if raw.first == " " || raw.first == "\t" { continue }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            sections[section]?[key] = value
        }
    }

    subscript(section: String) -> [String: String]? { sections[section] }
}
