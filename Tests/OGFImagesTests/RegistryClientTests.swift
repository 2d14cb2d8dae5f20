import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import Testing

/// Answers requests from a script, recording what was asked.
final class ScriptedHTTP: HTTPClient, @unchecked Sendable {
    var answers: [(HTTPRequest) throws -> HTTPResponse]
    var seen: [HTTPRequest] = []
    let lock = NSLock()

    init(_ answers: [(HTTPRequest) throws -> HTTPResponse]) { self.answers = answers }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let next: (HTTPRequest) throws -> HTTPResponse = lock.withLock {
            seen.append(request)
            return answers.isEmpty ? { _ in HTTPResponse(status: 599, headers: [], body: Data(), totalTime: 0) } : answers.removeFirst()
        }
        return try next(request)
    }
}

func reply(_ status: Int, _ headers: [(String, String)] = [], _ body: String = "") -> (HTTPRequest) throws -> HTTPResponse {
    { _ in HTTPResponse(status: status, headers: headers, body: Data(body.utf8), totalTime: 0) }
}

struct StaticCredentials: CredentialStore {
    var creds: RegistryCredentials?
    func credentials(for registry: String) async throws -> RegistryCredentials? { creds }
}

@Suite(.tags(.small))
struct RegistryClientTests {
    let digest = Digest("sha256:" + String(repeating: "c", count: 64))!

    @Test func bearerTokenFromTheChallenge() async throws {
        let http = ScriptedHTTP([
            reply(401, [("WWW-Authenticate", #"Bearer realm="http://127.0.0.1:1/token",service="reg""#)]),
            { r in
                #expect(r.url.contains("service=reg") && r.url.contains("scope=repository:a/b:pull,push"))
                #expect(r.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("Basic ") })
                return HTTPResponse(status: 200, headers: [], body: Data(#"{"token":"t0k"}"#.utf8), totalTime: 0)
            },
            { r in
                #expect(r.headers.contains { $0 == ("Authorization", "Bearer t0k") })
                return HTTPResponse(status: 200, headers: [], body: Data(), totalTime: 0)
            },
        ])
        let c = RegistryClient(registry: "127.0.0.1:1", http: http,
                               credentials: StaticCredentials(creds: .init(username: "u", password: "p", source: "test")))
        #expect(try await c.blobExists("a/b", digest))
        #expect(http.seen.count == 3)
    }

    @Test func retriesNetworkErrors429And5xxWithBackoff() async throws {
        let http = ScriptedHTTP([
            { _ in throw HTTPError("connection reset") },
            reply(429, [("Retry-After", "0")]),
            reply(503),
            reply(404),
        ])
        let c = RegistryClient(registry: "127.0.0.1:1", http: http, credentials: StaticCredentials(), maxAttempts: 4, backoff: 0.01)
        #expect(try await c.blobExists("a/b", digest) == false)
        #expect(http.seen.count == 4)
    }

    @Test func givesUpAfterTheLastAttempt() async throws {
        let http = ScriptedHTTP([reply(500), reply(500)])
        let c = RegistryClient(registry: "127.0.0.1:1", http: http, credentials: StaticCredentials(), maxAttempts: 2, backoff: 0.01)
        await #expect(throws: ImageError.self) { _ = try await c.blobExists("a/b", digest) }
    }

    @Test func missingBuilderIsAClearError() async throws {
        let s = try Sandbox()
        let d = Driver(ImageKind(http: ScriptedHTTP([])), s, [
            "repository": "127.0.0.1:15000/x/y", "builder": ["ogf-no-such-builder-xyz", "build", "."],
        ])
        do {
            _ = try await d.plan()
            Issue.record("planned with a missing builder")
        } catch {
            #expect("\(error)".contains("builder \"ogf-no-such-builder-xyz\" is not installed"))
        }
    }
}
