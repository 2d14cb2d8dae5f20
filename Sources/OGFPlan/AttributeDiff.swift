import OGFCore

/// One attribute line of a plan: `+ key = v`, `~ key = a → b`, `- key = v`, or unchanged.
public struct AttributeDiff: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case added, changed, removed, unchanged }

    public var key: String
    public var kind: Kind
    public var before: Value?
    public var after: Value?
    public var forcesReplacement: Bool

    /// The attribute lines for a change, in key order.
    public static func lines(for c: ResourceChange) -> [AttributeDiff] {
        let before = c.before ?? [:]
        let after = c.after ?? [:]
        switch c.action {
        case .create, .check:
            return after.keys.sorted().map { AttributeDiff(key: $0, kind: c.action == .create ? .added : .unchanged, before: nil, after: after[$0], forcesReplacement: false) }
        case .delete:
            return before.keys.sorted().map { AttributeDiff(key: $0, kind: .removed, before: before[$0], after: nil, forcesReplacement: false) }
        case .noop, .update, .replace, .run:
            return Set(before.keys).union(after.keys).sorted().map { k in
                let kind: Kind
                switch (before[k], after[k]) {
                case (nil, _): kind = .added
                case (_, nil): kind = .removed
                case let (b?, a?): kind = a == b ? .unchanged : .changed
                }
                return AttributeDiff(key: k, kind: kind, before: before[k], after: after[k], forcesReplacement: c.replacePaths.contains(k))
            }
        }
    }
}
