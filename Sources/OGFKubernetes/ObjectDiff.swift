import Foundation
import OGFCore

/// A field-level diff between a live object and what a server-side dry-run apply would leave,
/// with server-managed fields left out and Secret data shown only as `(sensitive)`.
public enum ObjectDiff {
    /// Fields the server owns; they change on every write and say nothing about the desired state.
    static let serverMetadata: Set<String> = ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"]
    static let serverAnnotations: Set<String> = ["deployment.kubernetes.io/revision", "kubectl.kubernetes.io/last-applied-configuration"]

    public static func normalized(_ object: Value) -> Value {
        guard var m = object.mapValue else { return object }
        m["status"] = nil
        if var meta = m["metadata"]?.mapValue {
            for k in serverMetadata { meta[k] = nil }
            if var ann = meta["annotations"]?.mapValue {
                for k in serverAnnotations { ann[k] = nil }
                meta["annotations"] = ann.isEmpty ? nil : .map(ann)
            }
            m["metadata"] = .map(meta)
        }
        return .map(m)
    }

    /// Lines `~ path: old → new`, `+ path: new`, `- path: old`; empty when nothing differs.
    /// `secrets`: the text of secret values; a field whose old or new value contains one shows as
    /// `(sensitive)` on both sides (the server's objects carry no sensitivity marks).
    public static func lines(live: Value, planned: Value, sensitive: Bool, secrets: [String] = []) -> [String] {
        var out: [String] = []
        walk(normalized(live), normalized(planned), path: "", sensitive: sensitive, secrets: secrets, into: &out)
        return out
    }

    static func walk(_ a: Value?, _ b: Value?, path: String, sensitive: Bool, secrets: [String], into out: inout [String]) {
        if a == b { return }
        let holdsSecret = !secrets.isEmpty && [a, b].contains { v in v.map { x in secrets.contains { show(x).contains($0) } } ?? false }
        let hide = holdsSecret || (sensitive && (path.hasPrefix("data") || path.hasPrefix("stringData")))
        switch (a, b) {
        case (.map(let x)?, .map(let y)?):
            for k in Set(x.keys).union(y.keys).sorted() {
                walk(x[k], y[k], path: path.isEmpty ? k : "\(path).\(k)", sensitive: sensitive, secrets: secrets, into: &out)
            }
        case (.list(let x)?, .list(let y)?) where x.count == y.count:
            for i in x.indices { walk(x[i], y[i], path: "\(path)[\(i)]", sensitive: sensitive, secrets: secrets, into: &out) }
        case (nil, let y?): out.append("+ \(path): \(hide ? "(sensitive)" : show(y))")
        case (let x?, nil): out.append("- \(path): \(hide ? "(sensitive)" : show(x))")
        case (let x?, let y?): out.append("~ \(path): \(hide ? "(sensitive)" : show(x)) → \(hide ? "(sensitive)" : show(y))")
        default: return
        }
    }

    /// The texts of the strings the manifest loader marked sensitive in an object.
    static func secretTexts(_ object: Value) -> [String] {
        switch object {
        case .sensitive(let v): return v.unmarked.stringValue.map { [$0] } ?? []
        case .list(let xs): return xs.flatMap(secretTexts)
        case .map(let m): return m.values.flatMap(secretTexts)
        default: return []
        }
    }

    static func show(_ v: Value) -> String {
        let t: String
        switch v {
        case .string(let s): t = Value.quoted(s)
        default: t = v.jsonText(pretty: false)
        }
        return t.count > 120 ? String(t.prefix(117)) + "…" : t
    }
}
