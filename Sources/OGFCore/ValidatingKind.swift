/// A kind that checks more than its schema in `ogf validate`: files its fields name, their
/// syntax and contents. It must not reach servers, state or the environment: `config` is
/// resolved without them, so secrets, environment variables and outputs are `.unknown`.
public protocol ValidatingKind: ResourceKind {
    /// Problems found, located in the files they are about where possible.
    func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic]
}
