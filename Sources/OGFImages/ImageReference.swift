/// A reference such as `127.0.0.1:5000/offgridflow/api:1.0` or `registry/base@sha256:...`,
/// split into registry host, repository path, tag and digest.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    public var registry: String
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses a reference; a first component without `.`, `:` or `localhost` is a Docker Hub path.
    public static func parse(_ text: String) throws -> ImageReference {
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            guard let d = Digest(String(rest[rest.index(after: at)...])) else {
                throw ImageError("\"\(text)\" has a digest that is not sha256:<64 lowercase hex>")
            }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let parts = rest.split(separator: "/", maxSplits: 1)
        guard !parts.isEmpty, !rest.isEmpty else { throw ImageError("\"\(text)\" is not an image reference") }
        var registry = "docker.io"
        var repo = String(rest)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = String(parts[0])
            repo = String(parts[1])
        } else if parts.count == 1 {
            repo = "library/" + repo
        }
        guard repo == repo.lowercased(), !repo.isEmpty else {
            throw ImageError("repository \"\(repo)\" must be lowercase (in \"\(text)\")")
        }
        return ImageReference(registry: registry, repository: repo, tag: tag, digest: digest)
    }

    /// `registry/repository` without tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    /// What to ask the registry for: the digest when pinned, else the tag, else `latest`.
    public var reference: String { digest?.value ?? tag ?? "latest" }

    public var description: String {
        name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0.value } ?? "")
    }
}
