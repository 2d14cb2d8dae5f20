import Foundation
import OGFCore
import OGFHTTP
import OGFTestSupport
import Synchronization
import Testing
@testable import OGFKinds

/// Certificates made with openssl for the test, served by Tests/Support/tls_fixture.py on
/// loopback: valid (own CA), expiring in 3 days, wrong name, self-signed. Made once, by the first
/// suite that awaits `ready()` in its init; openssl and the server's start are awaited.
enum TLSFixture {
    struct Servers: Sendable { let dir: String; let valid: Int; let expiring: Int; let wrongName: Int; let selfSigned: Int }

    static func sh(_ script: String, in dir: String) async throws {
        let r = try await Child.run("/bin/sh", ["-ec", script], directory: dir, output: .discarded)
        guard r.code == 0 else { throw FixtureError("openssl failed in \(dir)") }
    }

    private static let start = Task<Servers, Error> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        try await sh("""
        openssl req -x509 \(ec) -keyout ca.key -out ca.crt -subj '/CN=ogf test CA' -days 30
        leaf() { # name days san
          openssl req \(ec) -keyout $1.key -out $1.csr -subj "/CN=$1"
          printf 'subjectAltName=%s\\n' "$3" > $1.ext
          openssl x509 -req -in $1.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $1.crt -days $2 -extfile $1.ext
        }
        leaf valid 90 'IP:127.0.0.1,DNS:localhost'
        leaf expiring 3 'IP:127.0.0.1,DNS:localhost'
        leaf wrongname 90 'DNS:api.wrong.example'
        openssl req -x509 \(ec) -keyout selfsigned.key -out selfsigned.crt -subj '/CN=localhost' -days 90 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost'
        """, in: dir)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Support/tls_fixture.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, dir + "/ports"] + ["valid", "expiring", "wrongname", "selfsigned"].map { "\(dir)/\($0).crt:\(dir)/\($0).key" }
        p.standardInput = Pipe()   // kept open for the test process's life; the fixture exits at EOF
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var found: Servers?
        _ = await poll(attempts: 200, every: 0.05) {
            if let s = try? String(contentsOfFile: dir + "/ports", encoding: .utf8) {
                let ports = s.split(separator: "\n").compactMap { Int($0) }
                if ports.count == 4 { found = Servers(dir: dir, valid: ports[0], expiring: ports[1], wrongName: ports[2], selfSigned: ports[3]) }
            }
            return found != nil
        }
        guard let found else { throw FixtureError("the TLS fixture did not start (python3 \(script))") }
        return found
    }
    private static let started = Mutex<Servers?>(nil)

    /// Makes the certificates and starts the servers (once); waits for them, suspended.
    static func ready() async throws {
        let servers = try await start.value
        started.withLock { $0 = servers }
    }

    static var servers: Servers {
        guard let servers = started.withLock({ $0 }) else { preconditionFailure("await TLSFixture.ready() in the suite's init first") }
        return servers
    }
}

@Suite struct CheckTLSTests {
    let kind = CheckTLSKind()

    init() async throws { try await TLSFixture.ready() }

    func check(_ port: Int, ca: Bool = true, _ extra: [String: Value] = [:]) async throws -> ApplyResponse {
        let s = TLSFixture.servers
        var config: [String: Value] = ["url": .string("https://127.0.0.1:\(port)")]
        if ca { config["ca_file"] = .string(s.dir + "/ca.crt") }
        for (k, v) in extra { config[k] = v }
        return try await kind.apply(request("check_tls", config, schema: kind.schema))
    }

    @Test func validCertificateFromOwnCAPasses() async throws {
        let r = try await check(TLSFixture.servers.valid)
        #expect(r.outputs["protocol"] == "TLSv1.3")
        let days = try #require(r.outputs["days_left"]?.intValue)
        #expect(days == 89 || days == 90)
        #expect(r.outputs["subject"]?.stringValue?.contains("valid") == true)
        #expect(r.outputs["issuer"]?.stringValue?.contains("ogf test CA") == true)
        #expect(r.summary == "TLSv1.3, certificate verified, \(days) days left")
    }

    @Test func expiringInThreeDaysFails() async throws {
        await #expect { try await check(TLSFixture.servers.expiring) } throws: { e in
            let t = "\(e)"
            return t.contains("expires in 2 days") || t.contains("expires in 3 days")
        }
        // With a lower threshold it passes: the chain itself is fine.
        let r = try await check(TLSFixture.servers.expiring, ["min_days_left": 1])
        #expect((r.outputs["days_left"]?.intValue ?? -1) >= 2)
    }

    @Test func wrongNameFails() async throws {
        await #expect { try await check(TLSFixture.servers.wrongName) } throws: { "\($0)".contains("not valid for this host name") }
    }

    @Test func selfSignedFailsWithoutItsCA() async throws {
        await #expect { try await check(TLSFixture.servers.selfSigned, ca: false) } throws: { e in
            let t = "\(e)"
            return t.contains("self-signed") && t.contains("does not verify")
        }
        // The valid server's chain does not verify against the system store either.
        await #expect { try await check(TLSFixture.servers.valid, ca: false) } throws: { "\($0)".contains("does not verify") }
    }

    @Test func planShowsTheExpiryDate() async throws {
        let s = TLSFixture.servers
        let ctx = KindContext(environment: "t", isProtected: false, projectRoot: "/", variables: [:])
        let config = kind.schema.withDefaults(["url": .string("https://127.0.0.1:\(s.expiring)"), "ca_file": .string(s.dir + "/ca.crt")])
        let r = try await kind.plan(PlanRequest(address: ResourceAddress(kind: "check_tls", name: "api"), config: config, prior: nil,
                                                changedFields: [], refresh: true, context: ctx))
        #expect(r.action == .check)
        #expect(r.details.count == 1 && r.details[0].hasPrefix("certificate expires 20") && r.details[0].contains("min_days_left 14"))
        #expect(r.diagnostics.count == 1)
    }

    @Test func closedPortIsAClearFailure() async throws {
        await #expect { try await check(closedPort()) } throws: { "\($0)".contains("cannot complete a TLS handshake") }
    }

    @Test func httpURLIsAPlanError() throws {
        #expect(throws: Diagnostic.self) { try ConfigDecoder.decode(CheckTLSKind.Config.self, from: kind.schema.withDefaults(["url": "http://x"])) }
    }
}
