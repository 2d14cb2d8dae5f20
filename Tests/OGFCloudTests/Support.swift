import _CryptoExtras
import Foundation
import OGFCore
import OGFTestSupport
import Testing
@testable import OGFCloud

enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let standins = root + "/scripts/services/cloud-standins.py"
}

/// scripts/services/cloud-standins.py on a free port of its own, with a configuration the test
/// writes (keys, apps, Stripe keys, injected 503s).
final class StandIn: @unchecked Sendable {
    let process = Process()
    let url: String
    let dir: String

    init(_ role: String, _ config: [String: Any]) async throws {
        dir = NSTemporaryDirectory() + "ogf-cloud-standin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Paths.standins, "--role", role, "--port", "0", "--config", dir + "/config.json"]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "listening PORT\n", read on a thread of its own: python's start is not slept through on the pool.
        let handle = out.fileHandleForReading
        let line = try await offPool {
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            return line
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening "), let port = Int(text.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw StandInError(message: "the \(role) stand-in did not start (python3 with cryptography is needed: scripts/install-deps.sh)")
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// SIGKILL: a child of the test runner inherits its blocked signals, so SIGTERM would wait forever.
    /// Synchronous, as it runs in a `defer`; a SIGKILLed child is reaped at once.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    struct StandInError: Error { var message: String }
}

/// A service-account key made here: its JSON (for the gate) and its public key (for the stand-in).
struct TestServiceAccount {
    var email = "ogf-cloud-test@offgridflow-test.iam.gserviceaccount.com"
    var project = "offgridflow-test"
    var kid = UUID().uuidString.lowercased()
    let key: _RSA.Signing.PrivateKey

    init() throws { key = try _RSA.Signing.PrivateKey(keySize: .bits2048) }

    func json(tokenURI: String, privateKeyPEM: String? = nil) throws -> String {
        let obj: [String: Any] = ["type": "service_account", "project_id": project, "private_key_id": kid,
                                  "private_key": privateKeyPEM ?? key.pkcs8PEMRepresentation, "client_email": email,
                                  "client_id": "1234567890", "token_uri": tokenURI]
        return String(decoding: try JSONSerialization.data(withJSONObject: obj), as: UTF8.self)
    }

    var standInEntry: [String: Any] { ["client_email": email, "public_key_pem": key.publicKey.pemRepresentation, "private_key_id": kid] }
}

func context(protected: Bool = false, environment: String = "test", variables: [String: String] = [:], secrets: [String] = []) -> KindContext {
    let redactor = Redactor(secrets: secrets)
    let hasher = SecretHasher(salt: [1, 2, 3])
    return KindContext(environment: environment, isProtected: protected, projectRoot: NSTemporaryDirectory(), variables: variables,
                       redact: { redactor.redact($0) }, hashSecret: { hasher.hash($0) })
}

final class ProgressLines: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = []
    var lines: [String] { lock.withLock { _lines } }
    func add(_ s: String) { lock.withLock { _lines.append(s) } }
}

extension ResourceKind {
    func run(_ config: [String: Value], _ ctx: KindContext, progress: ProgressLines = ProgressLines()) async throws -> ApplyResponse {
        try await apply(ApplyRequest(address: ResourceAddress(kind: name, name: "t"), config: schema.withDefaults(config), prior: nil,
                                     action: .check, context: ctx, progress: { progress.add($0) }))
    }

    /// The failure message, or nil when the gate passed.
    func failure(_ config: [String: Value], _ ctx: KindContext) async -> String? {
        do {
            _ = try await run(config, ctx)
            return nil
        } catch let f as ResourceFailure {
            return f.message
        } catch let d as Diagnostic {
            return "\(d.field ?? ""): \(d.summary)"
        } catch {
            return "\(error)"
        }
    }
}
