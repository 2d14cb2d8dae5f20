import OGFCore
import OGFYAML

/// A configuration value before evaluation: literals, `${...}` templates, lists and maps, each
/// with its source location so that type and reference errors point at the exact spot.
public struct Expr: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: Expr
    }

    public indirect enum Content: Sendable {
        case literal(Value)
        case template(Template)
        case list([Expr])
        case map([Entry])
    }

    public var content: Content
    public var location: SourceLocation
    /// Column offset of the first character of a scalar's text (1 for a quoted scalar).
    var textOffset: Int

    public init(_ content: Content, at location: SourceLocation, textOffset: Int = 0) {
        self.content = content
        self.location = location
        self.textOffset = textOffset
    }

    /// Builds from a YAML node; malformed `${` become diagnostics.
    public static func from(_ node: YAMLNode, diagnostics: inout [Diagnostic]) -> Expr {
        switch node.content {
        case .scalar(let s, let plain):
            let offset = plain ? 0 : 1
            let typed = node.typedScalar ?? .string(s)
            guard case .string(let text) = typed, Template.hasInterpolation(text) else {
                return Expr(.literal(typed), at: node.location, textOffset: offset)
            }
            switch Template.parse(text) {
            case .success(let t):
                if t.references.isEmpty, case .literal(let lit)? = t.parts.first {
                    return Expr(.literal(.string(lit)), at: node.location, textOffset: offset)
                }
                return Expr(.template(t), at: node.location, textOffset: offset)
            case .failure(let e):
                var loc = node.location
                if !text.contains("\n") { loc.column += offset + e.offset }
                diagnostics.append(.error(e.message, at: loc))
                return Expr(.literal(.string(text)), at: node.location, textOffset: offset)
            }
        case .sequence(let xs):
            return Expr(.list(xs.map { from($0, diagnostics: &diagnostics) }), at: node.location)
        case .mapping(let pairs):
            var entries: [Entry] = []
            for p in pairs {
                guard let k = p.key.scalar else {
                    diagnostics.append(.error("mapping keys must be strings, found \(p.key.kindName)", at: p.key.location))
                    continue
                }
                entries.append(Entry(key: k, keyLocation: p.key.location, value: from(p.value, diagnostics: &diagnostics)))
            }
            return Expr(.map(entries), at: node.location)
        }
    }

    /// Every reference inside, with the location of its `${`.
    public var references: [(Reference, SourceLocation)] {
        var out: [(Reference, SourceLocation)] = []
        collect(into: &out)
        return out
    }

    private func collect(into out: inout [(Reference, SourceLocation)]) {
        switch content {
        case .literal: break
        case .template(let t):
            for (r, offset) in t.references {
                var loc = location
                loc.column += textOffset + offset
                out.append((r, loc))
            }
        case .list(let xs): for x in xs { x.collect(into: &out) }
        case .map(let es): for e in es { e.value.collect(into: &out) }
        }
    }

    /// The resources referenced inside, without locations (for building the graph).
    func collectResourceAddresses(into out: inout Set<ResourceAddress>) {
        switch content {
        case .literal: break
        case .template(let t):
            for part in t.parts {
                if case .reference(.resource(let a, _), _) = part { out.insert(a) }
            }
        case .list(let xs): for x in xs { x.collectResourceAddresses(into: &out) }
        case .map(let es): for e in es { e.value.collectResourceAddresses(into: &out) }
        }
    }

    public var literalValue: Value? {
        if case .literal(let v) = content { return v }
        return nil
    }
}
