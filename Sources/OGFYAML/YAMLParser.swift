import CYAML
import OGFCore

/// Reads YAML with libyaml into `YAMLNode`s carrying file:line:column.
///
/// Rejects what would make later stages misbehave: duplicate keys, unknown anchors, and documents
/// whose aliases expand beyond `maxExpandedNodes` (the "billion laughs" attack) — detected while
/// parsing, without expanding anything.
public struct YAMLParser {
    public var maxExpandedNodes: Int

    public init(maxExpandedNodes: Int = 1_000_000) {
        self.maxExpandedNodes = maxExpandedNodes
    }

    /// All documents of a stream. Diagnostics hold syntax errors and duplicate keys; on a syntax
    /// error the documents read so far are returned with it.
    public func parseAll(_ text: String, file: String) -> (documents: [YAMLNode], diagnostics: [Diagnostic]) {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [10] }
        return bytes.withUnsafeBufferPointer { buf in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return ([], [.error("could not initialise the YAML parser", at: SourceLocation(file: file, line: 1, column: 1))])
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var builder = Builder(file: file, maxExpandedNodes: maxExpandedNodes)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.diagnostics.append(Self.syntaxError(parser, file: file))
                    return (builder.documents, builder.diagnostics)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                if let d = builder.handle(&event) {
                    builder.diagnostics.append(d)
                    return (builder.documents, builder.diagnostics)
                }
            }
            return (builder.documents, builder.diagnostics)
        }
    }

    /// A single document (an empty file is an empty mapping).
    public func parse(_ text: String, file: String) -> (document: YAMLNode, diagnostics: [Diagnostic]) {
        let (docs, diags) = parseAll(text, file: file)
        let start = SourceLocation(file: file, line: 1, column: 1)
        var all = diags
        if docs.count > 1 {
            all.append(.error("expected one YAML document, found \(docs.count)", detail: "Remove the extra \"---\" separators.", at: docs[1].location))
        }
        return (docs.first ?? YAMLNode(.mapping([]), at: start), all)
    }

    static func syntaxError(_ parser: yaml_parser_t, file: String) -> Diagnostic {
        let mark = parser.problem_mark
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var detail: String?
        if let ctx = parser.context {
            let cm = parser.context_mark
            detail = "\(String(cString: ctx)) at line \(cm.line + 1), column \(cm.column + 1)"
        }
        return .error("invalid YAML: \(problem)", detail: detail, code: .yamlSyntax,
                      at: SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1))
    }

    /// Turns the event stream into nodes.
    struct Builder {
        /// An open sequence or mapping. A class, so appending does not copy the whole array each
        /// time (a value held in an enum on a stack would be copied on every append: quadratic).
        final class Frame {
            let isMapping: Bool
            let at: SourceLocation
            let anchor: String?
            let tag: String?
            var items: [YAMLNode] = []
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var pendingKey: YAMLNode?
            /// First location of each key, for duplicates; kept only once the mapping is large
            /// (a small one is searched directly: most mappings have a few keys, and a dictionary
            /// for each of 10,000 resource bodies was a visible part of reading them).
            var keys: [String: SourceLocation] = [:]
            static let smallMapping = 16

            func firstLocation(of k: String) -> SourceLocation? {
                if pairs.count < Self.smallMapping { return pairs.first { $0.key.scalar == k }?.key.location }
                if keys.isEmpty {
                    for p in pairs {
                        if let s = p.key.scalar, s != "<<", keys[s] == nil { keys[s] = p.key.location }
                    }
                }
                return keys[k]
            }

            func noteKey(_ k: String, at location: SourceLocation) {
                if pairs.count >= Self.smallMapping { keys[k] = location }
            }

            init(isMapping: Bool, at: SourceLocation, anchor: String?, tag: String?) {
                self.isMapping = isMapping
                self.at = at
                self.anchor = anchor
                self.tag = tag
            }
        }

        let file: String
        let maxExpandedNodes: Int
        var stack: [Frame] = []
        var anchors: [String: YAMLNode] = [:]
        var documents: [YAMLNode] = []
        var diagnostics: [Diagnostic] = []
        var expanded = 0

        init(file: String, maxExpandedNodes: Int) {
            self.file = file
            self.maxExpandedNodes = maxExpandedNodes
        }

        func location(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }

        static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }

        mutating func handle(_ event: inout yaml_event_t) -> Diagnostic? {
            let at = location(event.start_mark)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                let node = YAMLNode(.scalar(text, plain: s.style == YAML_PLAIN_SCALAR_STYLE), at: at, tag: Self.string(s.tag))
                return add(node, anchor: Self.string(s.anchor), counted: 1)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard var node = anchors[name] else {
                    return .error("unknown YAML anchor \"*\(name)\"", detail: "Define it with \"&\(name)\" before using it.", code: .yamlUnknownAnchor, at: at)
                }
                node.location = at
                return add(node, anchor: nil, counted: node.expandedSize)
            case YAML_SEQUENCE_START_EVENT:
                let s = event.data.sequence_start
                stack.append(Frame(isMapping: false, at: at, anchor: Self.string(s.anchor), tag: Self.string(s.tag)))
            case YAML_SEQUENCE_END_EVENT:
                guard let f = stack.popLast(), !f.isMapping else { return nil }
                return add(YAMLNode(.sequence(f.items), at: f.at, tag: f.tag), anchor: f.anchor, counted: 1)
            case YAML_MAPPING_START_EVENT:
                let m = event.data.mapping_start
                stack.append(Frame(isMapping: true, at: at, anchor: Self.string(m.anchor), tag: Self.string(m.tag)))
            case YAML_MAPPING_END_EVENT:
                guard let f = stack.popLast(), f.isMapping else { return nil }
                return add(YAMLNode(.mapping(mergeKeys(f.pairs)), at: f.at, tag: f.tag), anchor: f.anchor, counted: 1)
            default:
                break
            }
            return nil
        }

        /// Applies YAML merge keys (`<<: *defaults`): keys already present win.
        func mergeKeys(_ pairs: [(key: YAMLNode, value: YAMLNode)]) -> [(key: YAMLNode, value: YAMLNode)] {
            guard pairs.contains(where: { $0.key.scalar == "<<" && $0.key.tag == nil }) else { return pairs }
            var out = pairs.filter { $0.key.scalar != "<<" }
            var present = Set(out.compactMap { $0.key.scalar })
            for p in pairs where p.key.scalar == "<<" {
                let sources = p.value.sequence ?? [p.value]
                for src in sources {
                    for q in src.mapping ?? [] where !present.contains(q.key.scalar ?? "\u{0}") {
                        out.append(q)
                        if let k = q.key.scalar { present.insert(k) }
                    }
                }
            }
            return out
        }

        /// `counted` is what the node adds to the expanded total: 1 for a node read from the text,
        /// its whole expanded size for an alias (whose nodes were not read again).
        mutating func add(_ node: YAMLNode, anchor: String?, counted: Int) -> Diagnostic? {
            expanded = YAMLNode.saturatingAdd(expanded, counted)
            if expanded > maxExpandedNodes {
                return .error("YAML aliases expand to more than \(maxExpandedNodes) nodes",
                              detail: "This looks like an alias bomb (\"billion laughs\"); ogf refuses to expand it. Write the values out, or use fewer nested aliases.",
                              code: .yamlAliasLimit, at: node.location)
            }
            if let anchor { anchors[anchor] = node }
            guard let top = stack.last else {
                documents.append(node)
                expanded = 0
                return nil
            }
            if !top.isMapping {
                top.items.append(node)
            } else if let key = top.pendingKey {
                top.pairs.append((key, node))
                top.pendingKey = nil
            } else {
                if let k = node.scalar, k != "<<" {
                    if let first = top.firstLocation(of: k) {
                        diagnostics.append(.error("duplicate key \"\(k)\"", detail: "It is first defined at \(first). Remove one of them.", code: .yamlDuplicateKey, at: node.location))
                    } else {
                        top.noteKey(k, at: node.location)
                    }
                }
                top.pendingKey = node
            }
            return nil
        }
    }
}
