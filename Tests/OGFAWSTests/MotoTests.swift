import Foundation
import OGFHTTP
import OGFTestSupport
import Testing
@testable import OGFAWS

/// Against moto (scripts/services/moto.sh: 127.0.0.1:17100, IAM authentication on, so a wrong
/// secret fails moto's signature check). Fails, never skips, when moto is down.
@Suite(.serialized) struct MotoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let endpoint = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["OGF_MOTO_PORT"] ?? "17100")/"
    let query = AWSQueryClient(http: CurlHTTPClient(), timeout: 10)

    /// The admin key scripts/services/moto.sh wrote (profile ogf-local).
    static func admin() throws -> AWSCredentials {
        let chain = AWSCredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": root + "/.ci-servers/aws/credentials"], baseDirectory: root)
        guard case .keys(let c) = try chain.find(profile: "ogf-local") else { throw AWSError("no keys") }
        return c
    }

    @Test func getCallerIdentityWithAValidSignature() async throws {
        let id = try await STSClient(query: query, region: "eu-central-1", endpoint: Self.endpoint).getCallerIdentity(try Self.admin())
        #expect(id.account == "123456789012")
        #expect(id.arn == "arn:aws:iam::123456789012:user/ogf-admin")
    }

    @Test func aWrongSecretFailsMotosSignatureCheck() async throws {
        var c = try Self.admin()
        c.secretAccessKey = "not-the-secret-0123456789"
        do {
            _ = try await STSClient(query: query, region: "eu-central-1", endpoint: Self.endpoint).getCallerIdentity(c)
            Issue.record("a wrong secret was accepted")
        } catch let e as AWSError {
            #expect(e.status == 403)
            #expect(e.code == "SignatureDoesNotMatch")
            #expect(!e.message.contains("not-the-secret"))
        }
    }

    @Test func anUnknownKeyIdIs403InvalidClientTokenId() async throws {
        let c = AWSCredentials(accessKeyId: "AKIAOGFUNKNOWN000000", secretAccessKey: "x", source: "test")
        do {
            _ = try await STSClient(query: query, region: "eu-central-1", endpoint: Self.endpoint).getCallerIdentity(c)
            Issue.record("an unknown key was accepted")
        } catch let e as AWSError {
            #expect(e.status == 403)
            #expect(e.code == "InvalidClientTokenId")
        }
    }

    @Test func listAccessKeysReportsIdsAndCreateDates() async throws {
        let admin = try Self.admin()
        let user = "ogf-cloud-\(UInt32.random(in: 0...UInt32.max))"
        let iam = IAMClient(query: query, endpoint: Self.endpoint)
        func call(_ action: String, _ params: [(String, String)]) async throws -> String {
            try await query.call(service: "iam", region: "us-east-1", endpoint: Self.endpoint, action: action, version: "2010-05-08",
                                 parameters: params, credentials: admin)
        }
        let before = Date().addingTimeInterval(-120)
        _ = try await call("CreateUser", [("UserName", user)])
        var created: [String] = []  // deleted at the end; names are unique, so a failed run leaves no clash
        for _ in 0..<2 {
            let xml = try await call("CreateAccessKey", [("UserName", user)])
            created.append(try #require(XMLText.first("AccessKeyId", in: xml)))
        }
        let keys = try await iam.listAccessKeys(userName: user, credentials: admin)
        #expect(Set(keys.map(\.accessKeyId)) == Set(created))
        for k in keys {
            #expect(k.userName == user)
            #expect(k.status == "Active")
            #expect(k.createDate > before && k.createDate < Date().addingTimeInterval(120))
        }
        for id in created { _ = try await call("DeleteAccessKey", [("UserName", user), ("AccessKeyId", id)]) }
        _ = try await call("DeleteUser", [("UserName", user)])
    }

    /// moto answers an unsigned AssumeRoleWithWebIdentity only with authentication off (with it
    /// on, it fails with a 500 for the missing Authorization header; real STS does not need
    /// one), so this starts a moto of its own without it.
    @Test func webIdentityIsExchangedForTemporaryCredentials() async throws {
        let moto = try await OwnMoto()
        defer { moto.stop() }
        let dir = NSTemporaryDirectory() + "ogf-aws-webid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let sts = STSClient(query: query, region: "eu-central-1", endpoint: moto.endpoint)
        let chain = AWSCredentialChain(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "token", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ogf-deploy",
                                                     "AWS_ROLE_SESSION_NAME": "ogf-test"], baseDirectory: dir)
        let c = try await chain.resolve(sts: sts)
        #expect(c.sessionToken?.isEmpty == false)
        #expect(c.source.contains("web identity"))
        let id = try await sts.getCallerIdentity(c)
        #expect(id.arn.contains("assumed-role/ogf-deploy/ogf-test"))
    }
}

/// A moto server of a test's own on a free loopback port.
final class OwnMoto: @unchecked Sendable {
    let process = Process()
    let endpoint: String

    init(environment: [String: String] = [:]) async throws {
        let port = try freePort()
        endpoint = "http://127.0.0.1:\(port)/"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if await poll(attempts: 100, every: 0.1, { canConnect(port) }) { return }
        stop()
        throw AWSError("moto did not start on port \(port) (is moto[server] installed? scripts/install-deps.sh)")
    }

    /// SIGKILL: a child of the test runner inherits its blocked signals, so SIGTERM would wait forever.
    /// Synchronous, as it runs in a `defer`; a SIGKILLed child is reaped at once.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw AWSError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
