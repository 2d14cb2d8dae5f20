import Foundation
import OGFCore
import OGFYAML

/// `state:` of an environment file: where its state lives. Without it, `state/<ENV>.json`.
///
/// ```yaml
/// state:
///   backend: postgres
///   url: "${secret.OGF_STATE_DATABASE_URL}"
///   schema: ogf_state
/// ```
public struct StateConfig: Sendable {
    public enum Backend: String, Sendable, CaseIterable { case file, postgres }

    public var backend: Backend
    /// The connection URL (postgres): an expression, usually `${secret.X}`, resolved when used.
    public var url: Expr?
    /// The schema holding the tables (postgres); created on first use.
    public var schema: String
    public var location: SourceLocation

    public static let defaultSchema = "ogf_state"

    public init(backend: Backend, url: Expr? = nil, schema: String = Self.defaultSchema, location: SourceLocation) {
        self.backend = backend
        self.url = url
        self.schema = schema
        self.location = location
    }
}

enum StateConfigParser {
    static let keys = ["backend", "url", "schema"]

    static func parse(_ node: YAMLNode, diagnostics: inout [Diagnostic]) -> StateConfig? {
        guard let pairs = node.mapping else {
            diagnostics.append(.error("state: expected a mapping with backend, url and schema, found \(node.kindName)", code: .wrongType, at: node.location))
            return nil
        }
        var backend: StateConfig.Backend?
        var url: Expr?
        var urlNode: YAMLNode?
        var schema = StateConfig.defaultSchema
        var ok = true
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            switch key {
            case "backend":
                guard let s = p.value.scalar, let b = StateConfig.Backend(rawValue: s) else {
                    diagnostics.append(.error("state.backend: expected file or postgres, found \(p.value.scalar.map { "\"\($0)\"" } ?? p.value.kindName)",
                                              detail: "file keeps state/ENV.json; postgres keeps it in a PostgreSQL schema shared by the team.",
                                              code: .invalidField, at: p.value.location))
                    ok = false
                    continue
                }
                backend = b
            case "url":
                guard p.value.scalar != nil else {
                    diagnostics.append(.error("state.url: expected a connection URL such as \"${secret.OGF_STATE_DATABASE_URL}\", found \(p.value.kindName)",
                                              code: .wrongType, at: p.value.location))
                    ok = false
                    continue
                }
                url = Expr.from(p.value, diagnostics: &diagnostics)
                urlNode = p.value
                // A literal URL with a password would put the password in a reviewed file.
                if let text = p.value.scalar, !text.contains("${"), let c = URLComponents(string: text), c.password?.isEmpty == false {
                    diagnostics.append(.error("state.url: the URL carries a password in the environment file",
                                              detail: "Reference a secret instead: url: \"${secret.OGF_STATE_DATABASE_URL}\".",
                                              code: .invalidField, at: p.value.location))
                    ok = false
                }
            case "schema":
                guard let s = p.value.scalar, isIdentifier(s) else {
                    diagnostics.append(.error("state.schema: expected a lower-case SQL identifier (letters, digits, _; at most 63), found \(p.value.scalar.map { "\"\($0)\"" } ?? p.value.kindName)",
                                              code: .invalidField, at: p.value.location))
                    ok = false
                    continue
                }
                schema = s
            default:
                diagnostics.append(.error("state: unknown key \"\(key)\"\(Suggestion.didYouMean(key, keys))", detail: "Known keys: \(keys.joined(separator: ", ")).",
                                          code: .unknownField, at: p.key.location))
                ok = false
            }
        }
        guard let backend else {
            if ok { diagnostics.append(.error("state: backend is required (file or postgres)", code: .missingField, at: node.location)) }
            return nil
        }
        if backend == .postgres && url == nil {
            diagnostics.append(.error("state: backend postgres needs url", detail: "For example url: \"${secret.OGF_STATE_DATABASE_URL}\".",
                                      code: .missingField, at: node.location))
            return nil
        }
        if backend == .file, let urlNode {
            diagnostics.append(.error("state.url: the file backend takes no url", code: .invalidField, at: urlNode.location))
            return nil
        }
        guard ok else { return nil }
        return StateConfig(backend: backend, url: url, schema: schema, location: node.location)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.utf8.count <= 63, first == "_" || ("a"..."z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
