import Foundation

import OGFCore

/// Parses dotenv files (`KEY=value`, `export KEY=value`, `# comments`, single quotes literal,
/// double quotes with `\n \" \\` escapes, unquoted values with ` #` trailing comments).
public enum DotEnv {
    public static func parse(_ text: String, file: String) -> (values: [String: String], diagnostics: [Diagnostic]) {
        var values: [String: String] = [:]
        var diags: [Diagnostic] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        while i < lines.count {
            let lineNo = i + 1
            var line = Substring(lines[i].hasSuffix("\r") ? lines[i].dropLast() : lines[i])
            i += 1
            line = line.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            guard let eq = line.firstIndex(of: "=") else {
                diags.append(.error("expected KEY=VALUE in env file", at: SourceLocation(file: file, line: lineNo, column: 1)))
                continue
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard ResourceAddress.isIdentifier(key), !key.contains("-") else {
                diags.append(.error("invalid variable name \"\(key)\" in env file", at: SourceLocation(file: file, line: lineNo, column: 1)))
                continue
            }
            var rest = line[line.index(after: eq)...].drop { $0 == " " || $0 == "\t" }
            var value = ""
            if rest.hasPrefix("'") || rest.hasPrefix("\"") {
                let quote = rest.first!
                rest = rest.dropFirst()
                var closed = false
                var escaped = false
                while !closed {
                    for c in rest {
                        if quote == "\"" && escaped {
                            switch c {
                            case "n": value.append("\n")
                            case "t": value.append("\t")
                            default: value.append(c)
                            }
                            escaped = false
                        } else if quote == "\"" && c == "\\" {
                            escaped = true
                        } else if c == quote {
                            closed = true
                            break
                        } else {
                            value.append(c)
                        }
                    }
                    if !closed {
                        // Quoted values may span lines.
                        guard i < lines.count else {
                            diags.append(.error("unterminated quoted value for \(key)", at: SourceLocation(file: file, line: lineNo, column: 1)))
                            break
                        }
                        value.append("\n")
                        rest = Substring(lines[i])
                        i += 1
                    }
                }
            } else {
                if let hash = rest.range(of: " #") { rest = rest[..<hash.lowerBound] }
                value = rest.trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        return (values, diags)
    }
}
