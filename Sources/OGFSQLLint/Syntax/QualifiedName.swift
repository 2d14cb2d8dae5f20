/// A possibly schema-qualified object name such as `users` or `billing."Invoices"`, resolved as PostgreSQL would:
/// unquoted parts lowercased, quoted parts kept.
///
/// Names are compared as written: `users` and `public.users` are different names here, because the linter
/// cannot know the search_path.
struct QualifiedName: Hashable, CustomStringConvertible {
    let parts: [String]

    var description: String { parts.joined(separator: ".") }
    /// The object's own name, without schema.
    var object: String { parts.last ?? "" }
}
