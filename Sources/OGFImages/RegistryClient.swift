import Foundation
import OGFCore
import OGFHTTP

/// Speaks the OCI Distribution API to one registry over `HTTPClient` (libcurl): blob existence,
/// monolithic and chunked uploads, cross-repository mounts, manifests and indexes. Handles Basic
/// and Bearer auth from the `WWW-Authenticate` challenge, and retries 5xx, 429 and network errors
/// with exponential backoff.
public final class RegistryClient: Sendable {
    public let registry: String
    let baseURL: String
    let http: any HTTPClient
    let credentials: any CredentialStore
    public let maxAttempts: Int
    /// First backoff in seconds; doubles each attempt.
    public let backoff: Double
    let timeout: Double
    /// Authorization header per scope (Bearer) or for the whole registry (Basic, key "").
    private let auth = Locked([String: String]())

    public init(registry: String, http: any HTTPClient, credentials: any CredentialStore, scheme: String? = nil,
                maxAttempts: Int = 4, backoff: Double = 0.25, timeout: Double = 600) {
        self.registry = registry
        let host = registry.split(separator: ":").first.map(String.init) ?? registry
        let local = host == "localhost" || host == "127.0.0.1" || host == "[::1]"
        self.baseURL = "\(scheme ?? (local ? "http" : "https"))://\(registry == "docker.io" ? "registry-1.docker.io" : registry)"
        self.http = http
        self.credentials = credentials
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.timeout = timeout
    }

    static func pushScope(_ repo: String) -> String { "repository:\(repo):pull,push" }
    static func pullScope(_ repo: String) -> String { "repository:\(repo):pull" }

    // MARK: - Requests with auth and retries

    /// Sends a request, answering one auth challenge, retrying 5xx, 429 and transport errors
    /// (when `retry`), and returns the final response whatever its status.
    func send(_ req0: HTTPRequest, scope: String, retry: Bool = true, progress: (@Sendable (String) -> Void)? = nil) async throws -> HTTPResponse {
        var attempt = 0
        var authenticated = false
        while true {
            attempt += 1
            var req = req0
            req.timeout = timeout
            if let h = auth.withLock({ $0[scope] ?? $0[""] }) { req.headers.append(("Authorization", h)) }
            let r: HTTPResponse
            do {
                r = try await http.send(req)
            } catch {
                guard retry, attempt < maxAttempts else { throw ImageError("\(registry): \(error)") }
                progress?("\(req.method) failed (\(error)); retrying")
                try await pause(attempt, retryAfter: nil)
                continue
            }
            if r.status == 401, !authenticated {
                authenticated = true
                try await authenticate(r, scope: scope)
                attempt -= 1
                continue
            }
            if r.status == 401 {
                throw try await rejected(r)
            }
            if retry, r.status == 429 || r.status >= 500, attempt < maxAttempts {
                progress?("\(req.method) answered \(r.status); retrying (attempt \(attempt + 1) of \(maxAttempts))")
                try await pause(attempt, retryAfter: r.header("Retry-After").flatMap(Double.init))
                continue
            }
            return r
        }
    }

    private func pause(_ attempt: Int, retryAfter: Double?) async throws {
        let delay = min(retryAfter ?? backoff * pow(2, Double(attempt - 1)), 10)
        try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
    }

    private func authenticate(_ r: HTTPResponse, scope: String) async throws {
        guard let header = r.header("WWW-Authenticate"), let ch = AuthChallenge.parse(header) else {
            throw RegistryAuthError(message: "registry \(registry) answered 401 without a WWW-Authenticate challenge")
        }
        let creds = try await credentials.credentials(for: registry)
        switch ch.scheme {
        case "basic":
            guard let creds else {
                throw RegistryAuthError(message: "registry \(registry) asks for a user name and password (Basic auth) and none were found: set OGF_REGISTRY_USERNAME and OGF_REGISTRY_PASSWORD, or add the registry to ~/.docker/config.json (docker login \(registry))")
            }
            let token = Data("\(creds.username):\(creds.password)".utf8).base64EncodedString()
            auth.withLock { $0[""] = "Basic \(token)" }
        case "bearer":
            guard let realm = ch.parameters["realm"] else {
                throw RegistryAuthError(message: "registry \(registry) sent a Bearer challenge without a realm")
            }
            var comps = URLComponents(string: realm)
            var items = comps?.queryItems ?? []
            if let s = ch.parameters["service"] { items.append(URLQueryItem(name: "service", value: s)) }
            items.append(URLQueryItem(name: "scope", value: scope))
            comps?.queryItems = items
            guard let url = comps?.string else { throw RegistryAuthError(message: "registry \(registry) sent an invalid token realm") }
            var headers: [(String, String)] = []
            if let creds {
                headers.append(("Authorization", "Basic " + Data("\(creds.username):\(creds.password)".utf8).base64EncodedString()))
            }
            let tr = try await http.send(HTTPRequest(url: url, headers: headers, timeout: 30))
            guard tr.status == 200 else {
                let who = creds.map { "user \"\($0.username)\" (from \($0.source))" } ?? "anonymous access (no credentials found)"
                throw RegistryAuthError(message: "the token service of \(registry) refused \(who): HTTP \(tr.status)")
            }
            guard let obj = CanonicalJSON.decode(tr.body), let token = (obj["token"] as? String) ?? (obj["access_token"] as? String) else {
                throw RegistryAuthError(message: "the token service of \(registry) answered without a token")
            }
            auth.withLock { $0[scope] = "Bearer \(token)" }
        default:
            throw RegistryAuthError(message: "registry \(registry) asks for \(ch.scheme) auth, which ogf does not speak (Basic and Bearer only)")
        }
    }

    private func rejected(_ r: HTTPResponse) async throws -> RegistryAuthError {
        let creds = try? await credentials.credentials(for: registry)
        let detail = Self.errorText(r)
        if let creds {
            return RegistryAuthError(message: "registry \(registry) rejected the credentials of user \"\(creds.username)\" (from \(creds.source)): HTTP 401\(detail). Check the user name and password.")
        }
        return RegistryAuthError(message: "registry \(registry) requires credentials and none were found: HTTP 401\(detail)")
    }

    /// `; UNAUTHORIZED: authentication required` from a Distribution error body.
    static func errorText(_ r: HTTPResponse) -> String {
        guard let obj = CanonicalJSON.decode(r.body), let errs = obj["errors"] as? [[String: Any]], let e = errs.first else { return "" }
        return "; \(e["code"] as? String ?? "error"): \(e["message"] as? String ?? "")"
    }

    func url(_ path: String) -> String { baseURL + path }

    func resolve(location: String) -> String {
        location.hasPrefix("http://") || location.hasPrefix("https://") ? location : baseURL + (location.hasPrefix("/") ? "" : "/") + location
    }

    func failure(_ what: String, _ r: HTTPResponse) -> ImageError {
        if r.status == 403 { return ImageError("\(what): HTTP 403 denied\(Self.errorText(r)) — the credentials may not push there") }
        return ImageError("\(what): HTTP \(r.status)\(Self.errorText(r))")
    }

    // MARK: - API

    /// `GET /v2/`: the registry answers (and the credentials are accepted when it asks for them).
    public func ping(scope: String) async throws -> Int {
        let r = try await send(HTTPRequest(url: url("/v2/")), scope: scope)
        return r.status
    }

    public func blobExists(_ repo: String, _ d: Digest) async throws -> Bool {
        let r = try await send(HTTPRequest(method: "HEAD", url: url("/v2/\(repo)/blobs/\(d)")), scope: Self.pushScope(repo))
        if r.status == 200 { return true }
        if r.status == 404 { return false }
        throw failure("HEAD blob \(d.short) in \(repo)", r)
    }

    /// Starts an upload session (or mounts `mount` from `from`); returns nil when mounted.
    func startUpload(_ repo: String, mount: Digest? = nil, from: String? = nil) async throws -> String? {
        var path = "/v2/\(repo)/blobs/uploads/"
        if let mount, let from { path += "?mount=\(mount)&from=\(from)" }
        let r = try await send(HTTPRequest(method: "POST", url: url(path), body: Data()), scope: Self.pushScope(repo))
        if r.status == 201, mount != nil { return nil }
        guard r.status == 202, let loc = r.header("Location") else { throw failure("starting an upload to \(repo)", r) }
        return resolve(location: loc)
    }

    /// Cancels an upload session (used by gate_registry to check push rights without pushing).
    func cancelUpload(_ location: String, repo: String) async throws {
        _ = try await send(HTTPRequest(method: "DELETE", url: location), scope: Self.pushScope(repo))
    }

    /// Uploads a blob from a file: POST then PUT (monolithic), or POST, PATCH per chunk, PUT
    /// (when `chunkSize` > 0 and the blob is larger). The whole upload is retried on failure.
    public func uploadBlob(_ repo: String, digest: Digest, file: String, size: Int64, chunkSize: Int64 = 0,
                           progress: (@Sendable (String) -> Void)? = nil) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await uploadOnce(repo, digest: digest, file: file, size: size, chunkSize: chunkSize)
                return
            } catch let e as RegistryAuthError {
                throw e
            } catch {
                guard attempt < maxAttempts else { throw error }
                progress?("upload of \(digest.short) failed (\(error)); retrying")
                try await pause(attempt, retryAfter: nil)
            }
        }
    }

    private func uploadOnce(_ repo: String, digest: Digest, file: String, size: Int64, chunkSize: Int64) async throws {
        guard var loc = try await startUpload(repo) else { return }
        let scope = Self.pushScope(repo)
        if chunkSize > 0, size > chunkSize {
            var offset: Int64 = 0
            while offset < size {
                let len = min(chunkSize, size - offset)
                let r = try await send(HTTPRequest(method: "PATCH", url: loc,
                                                   headers: [("Content-Type", "application/octet-stream"), ("Content-Range", "\(offset)-\(offset + len - 1)")],
                                                   bodyFile: FileRange(path: file, offset: offset, length: len)), scope: scope, retry: false)
                guard r.status == 202, let next = r.header("Location") else { throw failure("uploading a chunk of \(digest.short) to \(repo)", r) }
                loc = resolve(location: next)
                offset += len
            }
            let r = try await send(HTTPRequest(method: "PUT", url: Self.withDigest(loc, digest), body: Data()), scope: scope, retry: false)
            guard r.status == 201 else { throw failure("finishing the upload of \(digest.short) to \(repo)", r) }
            return
        }
        let r = try await send(HTTPRequest(method: "PUT", url: Self.withDigest(loc, digest), headers: [("Content-Type", "application/octet-stream")],
                                           bodyFile: FileRange(path: file, offset: 0, length: size)), scope: scope, retry: false)
        guard r.status == 201 else { throw failure("uploading \(digest.short) to \(repo)", r) }
    }

    /// Mounts a blob from another repository of the same registry; false when the registry
    /// declined (it then opened an upload session, which is cancelled).
    public func mountBlob(_ repo: String, digest: Digest, from: String) async throws -> Bool {
        let loc = try await startUpload(repo, mount: digest, from: from)
        guard let loc else { return true }
        try? await cancelUpload(loc, repo: repo)
        return false
    }

    static func withDigest(_ loc: String, _ d: Digest) -> String {
        loc + (loc.contains("?") ? "&" : "?") + "digest=" + d.value.replacingOccurrences(of: ":", with: "%3A")
    }

    public func putManifest(_ repo: String, reference: String, data: Data, mediaType: String) async throws {
        let r = try await send(HTTPRequest(method: "PUT", url: url("/v2/\(repo)/manifests/\(reference)"),
                                           headers: [("Content-Type", mediaType)], body: data), scope: Self.pushScope(repo))
        guard r.status == 201 || r.status == 200 else { throw failure("PUT manifest \(reference) in \(repo)", r) }
    }

    /// The manifest's digest when the registry has it, nil when it does not.
    public func manifestDigest(_ repo: String, reference: String, scope: String? = nil) async throws -> Digest? {
        let r = try await send(HTTPRequest(method: "HEAD", url: url("/v2/\(repo)/manifests/\(reference)"),
                                           headers: [("Accept", ManifestFormat.acceptAll)]), scope: scope ?? Self.pushScope(repo))
        if r.status == 404 { return nil }
        guard r.status == 200 else { throw failure("HEAD manifest \(reference) in \(repo)", r) }
        return r.header("Docker-Content-Digest").flatMap(Digest.init) ?? Digest(reference)
    }

    public func getManifest(_ repo: String, reference: String) async throws -> (data: Data, mediaType: String, digest: Digest) {
        let r = try await send(HTTPRequest(url: url("/v2/\(repo)/manifests/\(reference)"), headers: [("Accept", ManifestFormat.acceptAll)]),
                               scope: Self.pullScope(repo))
        guard r.status == 200 else { throw failure("GET manifest \(reference) in \(repo)", r) }
        let d = Digest.of(r.body)
        if let want = Digest(reference), want != d { throw ImageError("manifest \(reference) in \(repo) does not match its digest (got \(d))") }
        let mt = (CanonicalJSON.decode(r.body)?["mediaType"] as? String) ?? r.header("Content-Type") ?? ""
        return (r.body, mt, d)
    }

    public func getBlob(_ repo: String, _ d: Digest) async throws -> Data {
        var req = HTTPRequest(url: url("/v2/\(repo)/blobs/\(d)"))
        req.followRedirects = true
        let r = try await send(req, scope: Self.pullScope(repo))
        guard r.status == 200 else { throw failure("GET blob \(d.short) in \(repo)", r) }
        guard Digest.of(r.body) == d else { throw ImageError("blob \(d.short) from \(repo) does not match its digest") }
        return r.body
    }
}
