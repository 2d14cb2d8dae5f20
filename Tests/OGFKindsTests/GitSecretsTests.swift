import Foundation
import OGFCore
import OGFSupport
import OGFTestSupport
import Testing
@testable import OGFKinds

/// A throwaway git repository for one test.
struct TempRepo {
    let path: String

    init() async throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-gitsecrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try await git("init", "-q", "-b", "main")
    }

    @discardableResult
    func git(_ args: String...) async throws -> String {
        let r = try await Child.run(onPath: ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "-C", path] + args,
                                    stdin: FileHandle.standardInput)
        guard r.code == 0 else { throw ResourceFailure("git \(args) failed") }
        return r.outText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ file: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Writes, stages everything and commits; returns the commit id.
    @discardableResult
    func commit(_ files: [String: String], _ message: String) async throws -> String {
        for (f, t) in files { try write(f, t) }
        try await git("add", "-A")
        try await git("commit", "-q", "-m", message)
        return try await git("rev-parse", "HEAD")
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct GitSecretsTests {
    let kind = GateGitSecretsKind(runner: SpawnProcessRunner())
    static let jwt = "jwt-canary-7f3a9c0e5b1d4f2a8c6e0b9d3f1a7c5e"
    static let aws = "AKIA" + "Q7XK2M4PZ9RT3VWL"   // split so this file holds no key shape

    func run(_ repo: TempRepo, _ extra: [String: Value] = [:], secrets: [String: String] = ["JWT_SECRET": jwt]) async throws -> ApplyResponse {
        var config: [String: Value] = ["path": .string(repo.path)]
        for (k, v) in extra { config[k] = v }
        let ctx = KindContext(environment: "test", isProtected: false, projectRoot: repo.path, variables: secrets,
                              redact: { s in secrets.values.reduce(s) { $0.replacingOccurrences(of: $1, with: "****") } }, secrets: secrets)
        return try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "gate_git_secrets", name: "repo"), config: kind.schema.withDefaults(config),
                                                 prior: nil, action: .check, context: ctx, progress: { _ in }))
    }

    @Test func secretCommittedThreeCommitsAgoThenRemovedIsFoundWithItsCommit() async throws {
        let repo = try await TempRepo()
        defer { repo.remove() }
        try await repo.commit(["main.go": "package main\n"], "start")
        let leaked = try await repo.commit(["config/app.yaml": "name: api\njwt: \(Self.jwt)\n"], "add config")
        try await repo.commit(["README.md": "hello\n"], "docs")
        try await repo.commit(["main.go": "package main\n\nfunc main() {}\n"], "code")
        try await repo.commit(["config/app.yaml": "name: api\njwt: ${JWT_SECRET}\n"], "take the secret out")
        do {
            _ = try await run(repo)
            Issue.record("expected a finding")
        } catch let e as ResourceFailure {
            let text = "\(e)"
            #expect(text.contains("config/app.yaml:2 (commit \(leaked.prefix(12))): secret JWT_SECRET jwt-…(43 chars)"))
            #expect(text.hasPrefix("1 secret finding in git (3 tracked files, 5 commits)"))
            #expect(!text.contains(Self.jwt))
            #expect(!e.outputs.description.contains(Self.jwt))
            #expect(e.outputs["findings"] == .list([.string("config/app.yaml:2 (commit \(leaked.prefix(12))): secret JWT_SECRET")]))
        }
        // history: 0 looks at the working tree only, where the value is gone.
        let r = try await run(repo, ["history": 0])
        #expect(r.summary == "no secrets in 3 tracked files")
    }

    @Test func trackedEnvFileAndKeyShapesAreFindings() async throws {
        let repo = try await TempRepo()
        defer { repo.remove() }
        try await repo.commit([".env": "LOG_LEVEL=debug\n", ".env.example": "JWT_SECRET=\n", "deploy/aws.ini": "x\naws_access_key_id = \(Self.aws)\n",
                         "keys/id": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nabc\n"], "oops")
        await #expect { try await run(repo, ["history": 0]) } throws: { e in
            let t = "\(e)"
            return t.contains("  .env: tracked .env file") && !t.contains(".env.example")
                && t.contains("deploy/aws.ini:2: AWS access key id AKIA…(20 chars)") && !t.contains(Self.aws)
                && t.contains("keys/id:1: private key block")
        }
        // Each finding can be allowed, with a reason.
        let allow: Value = .list([
            .map(["path": ".env", "reason": "no secrets in it, only the log level"]),
            .map(["secret": "aws_access_key_id", "path": "deploy/*", "reason": "AWS's documented example key"]),
            .map(["path": "keys/*", "reason": "test fixture key"]),
        ])
        let r = try await run(repo, ["history": 0, "allow": allow])
        #expect(r.summary == "no secrets in 4 tracked files; 3 allowed")
        #expect(r.outputs["allowed"]?.listValue?.count == 3)
    }

    @Test func highEntropyStringThatIsNeitherConfiguredNorAShapePasses() async throws {
        let repo = try await TempRepo()
        defer { repo.remove() }
        try await repo.commit(["checksums.txt": "sha: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nid: Zq8Lw2Xv9Rt5Ny3Km7Pb4Hc6Jd1Fg0Se\n",
                         "docs/a.md": "AKIA is how AWS key ids start; sk_live_ is Stripe's live prefix.\n"], "data")
        let r = try await run(repo, ["history": 10])
        #expect(r.summary == "no secrets in 2 tracked files, 1 commits")
        #expect(r.outputs["findings"] == .list([]))
    }

    @Test func notARepositoryIsAClearFailure() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-gitsecrets-none-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ctx = KindContext(environment: "t", isProtected: false, projectRoot: dir, variables: [:])
        await #expect { try await kind.apply(ApplyRequest(address: ResourceAddress(kind: "gate_git_secrets", name: "r"),
                                                          config: kind.schema.withDefaults(["path": .string(dir)]), prior: nil, action: .check,
                                                          context: ctx, progress: { _ in })) }
            throws: { "\($0)".contains("is not a git working tree") }
    }

    @Test func allowEntryNeedsAReason() throws {
        #expect(throws: Diagnostic.self) {
            try ConfigDecoder.decode(GateGitSecretsKind.Config.self, from: kind.schema.withDefaults(["allow": .list([.map(["path": "x", "reason": " "])])]))
        }
    }

    /// The tracked-files pass (git grep -F of the prefixes, then the byte matcher) and the history pass agree on every shape.
    @Test func shapeEnginesAgree() async throws {
        let repo = try await TempRepo()
        defer { repo.remove() }
        let samples = [
            "AKIA" + "ABCDEFGHIJKLMNOP", "ASIA" + "1234567890ABCDEF", "AKIA" + "short", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
            "rk_live_" + "51Habc0123456789xyz", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "-----BEGIN RSA " + "PRIVATE KEY-----",
            "-----BEGIN " + "PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----", "ghp_" + String(repeating: "a1B2", count: 9),
            "github_pat_" + String(repeating: "x_Y9", count: 6), "ghp_tooShort", "xoxb-" + "1234567890-abcdef", "xoxz-1234567890-abcdef",
        ]
        try await repo.commit(["s.txt": samples.joined(separator: "\n") + "\n"], "samples")
        let r = try await GitSecretScanner(runner: SpawnProcessRunner()).scan(repo: repo.path, secrets: [:], history: 1)
        let tree = Set(r.findings.filter { $0.commit == nil }.map { "\($0.line) \($0.rule)" })
        let history = Set(r.findings.filter { $0.commit != nil }.map { "\($0.line) \($0.rule)" })
        #expect(tree == ["1 aws_access_key_id", "2 aws_access_key_id", "4 stripe_live_key", "5 stripe_live_key", "7 private_key",
                         "8 private_key", "10 github_token", "11 github_token", "13 slack_token"])
        #expect(history == tree)
    }
}
