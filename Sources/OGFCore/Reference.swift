import Foundation

/// What a `${...}` expression points at. A reference to a resource is a dependency edge.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    /// `${var.NAME}`: an environment or blueprint variable.
    case variable(String)
    /// `${env.NAME}`: the process environment, after the environment's `env_file`.
    case env(String)
    /// `${secret.NAME}`: like `env`, but the value is sensitive everywhere it flows.
    case secret(String)
    /// `${kind.name.output[.key...]}`: another resource's output.
    case resource(ResourceAddress, path: [String])

    public var description: String {
        switch self {
        case .variable(let n): return "var.\(n)"
        case .env(let n): return "env.\(n)"
        case .secret(let n): return "secret.\(n)"
        case .resource(let a, let p): return ([a.description] + p).joined(separator: ".")
        }
    }

    /// Parses the inside of `${...}`; nil with a reason when it is not a reference.
    public static func parse(_ text: String) -> Result<Reference, ReferenceError> {
        // Foundation's trimming is costly per call and a config has a reference per resource or
        // more; text that starts and ends with a visible ASCII character has nothing to trim.
        let t = Self.hasVisibleASCIIEnds(text) ? text : text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            return .failure(.init(message: "invalid reference \"\(t)\"; expected var.NAME, env.NAME, secret.NAME or KIND.NAME.OUTPUT"))
        }
        switch parts[0] {
        case "var", "env", "secret":
            guard parts.count == 2 else {
                return .failure(.init(message: "invalid reference \"\(t)\"; \(parts[0]).NAME takes exactly one name"))
            }
            switch parts[0] {
            case "var": return .success(.variable(parts[1]))
            case "env": return .success(.env(parts[1]))
            default: return .success(.secret(parts[1]))
            }
        default:
            guard parts.count >= 3, let addr = ResourceAddress(parsing: "\(parts[0]).\(parts[1])") else {
                return .failure(.init(message: "invalid reference \"\(t)\"; a resource output is KIND.NAME.OUTPUT, for example image.api.digest"))
            }
            return .success(.resource(addr, path: Array(parts[2...])))
        }
    }
}

extension Reference {
    static func hasVisibleASCIIEnds(_ text: String) -> Bool {
        guard let f = text.utf8.first, let l = text.utf8.last else { return false }
        return f > 0x20 && f < 0x7F && l > 0x20 && l < 0x7F
    }
}

public struct ReferenceError: Error, Sendable, Equatable {
    public var message: String
}

/// A string with `${...}` interpolations; `$${` writes a literal `${`.
public struct Template: Hashable, Sendable {
    public enum Part: Hashable, Sendable {
        case literal(String)
        /// The reference and its 0-based character offset in the string (for column numbers).
        case reference(Reference, offset: Int)
    }

    public var parts: [Part]

    /// True when the whole string is one reference, which then keeps the referenced value's type.
    public var isSingleReference: Bool {
        if parts.count == 1, case .reference = parts[0] { return true }
        return false
    }

    public var references: [(Reference, Int)] {
        parts.compactMap { if case .reference(let r, let o) = $0 { return (r, o) } else { return nil } }
    }

    /// Whether `text` contains `${`. A byte scan: Foundation's `String.contains` compares with
    /// Unicode rules and was a visible part of loading a configuration of 10,000 resources.
    public static func hasInterpolation(_ text: String) -> Bool {
        var afterDollar = false
        for b in text.utf8 {
            if afterDollar, b == UInt8(ascii: "{") { return true }
            afterDollar = b == UInt8(ascii: "$")
        }
        return false
    }

    /// Parses a string; errors carry the character offset of the problem.
    public static func parse(_ text: String) -> Result<Template, TemplateError> {
        guard hasInterpolation(text) else { return .success(Template(parts: [.literal(text)])) }
        // ASCII without "\r" (where "\r\n" would be one character): a character is a byte, so the
        // same scan runs over bytes without building an array of Characters.
        if !text.utf8.contains(where: { $0 >= 0x80 || $0 == 0x0D }) { return parseASCII(text) }
        return parseCharacters(text)
    }

    static func parseCharacters(_ text: String) -> Result<Template, TemplateError> {
        var parts: [Part] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "$" {
                if i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                    literal += "${"
                    i += 3
                    continue
                }
                if i + 1 < chars.count, chars[i + 1] == "{" {
                    guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                        return .failure(.init(message: "unterminated \"${\": add the closing \"}\"", offset: i))
                    }
                    let inner = String(chars[(i + 2)..<close])
                    switch Reference.parse(inner) {
                    case .success(let r):
                        if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                        parts.append(.reference(r, offset: i))
                    case .failure(let e):
                        return .failure(.init(message: e.message, offset: i))
                    }
                    i = close + 1
                    continue
                }
            }
            literal.append(chars[i])
            i += 1
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return .success(Template(parts: parts))
    }
}

extension Template {
    /// `parse` for text whose characters are single bytes; offsets are the same.
    static func parseASCII(_ text: String) -> Result<Template, TemplateError> {
        let b = Array(text.utf8)
        let dollar = UInt8(ascii: "$"), open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        var parts: [Part] = []
        var literal: [UInt8] = []
        var i = 0
        func flush() {
            if !literal.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))); literal = [] }
        }
        while i < b.count {
            if b[i] == dollar {
                if i + 2 < b.count, b[i + 1] == dollar, b[i + 2] == open {
                    literal += [dollar, open]
                    i += 3
                    continue
                }
                if i + 1 < b.count, b[i + 1] == open {
                    guard let end = b[(i + 2)...].firstIndex(of: close) else {
                        return .failure(.init(message: "unterminated \"${\": add the closing \"}\"", offset: i))
                    }
                    switch Reference.parse(String(decoding: b[(i + 2)..<end], as: UTF8.self)) {
                    case .success(let r):
                        flush()
                        parts.append(.reference(r, offset: i))
                    case .failure(let e):
                        return .failure(.init(message: e.message, offset: i))
                    }
                    i = end + 1
                    continue
                }
            }
            literal.append(b[i])
            i += 1
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return .success(Template(parts: parts))
    }
}

public struct TemplateError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int
}
