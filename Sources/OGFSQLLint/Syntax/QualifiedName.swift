/// A possibly schema-qualified object name such as `users` or `billing."Invoices"`, resolved as PostgreSQL would:
/// unquoted parts lowercased, quoted parts kept.
///
/// Names are compared as written: `users` and `public.users` are different names here, because the linter
/// cannot know the search_path.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public let parts: [String]

    public init(parts: [String]) { self.parts = parts }

    public var description: String { parts.joined(separator: ".") }
    /// The object's own name, without schema.
    public var object: String { parts.last ?? "" }
}

extension QualifiedName {
    /// `public.users` and `users` name the same table for the size lookup and the plan memory (the default
    /// search_path); other schemas stay qualified.
    public var withoutPublicSchema: QualifiedName {
        parts.count == 2 && parts[0] == "public" ? QualifiedName(parts: [parts[1]]) : self
    }
}
