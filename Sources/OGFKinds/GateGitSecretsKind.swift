import Foundation
import OGFCore
import OGFSupport

/// `gate_git_secrets`: no configured secret's value, no well-known key shape and no `.env` file
/// in the repository's tracked files or recent history. Findings name the file, line and commit
/// and the secret's name with a masked fragment, never the value; allowing one needs a reason.
public struct GateGitSecretsKind: ResourceKind {
    let runner: any ProcessRunner

    public init(runner: any ProcessRunner) { self.runner = runner }

    public let name = "gate_git_secrets"
    public let role = ResourceRole.gate
    public let summary = "Pre-flight: no configured secret value, known key shape (AWS, Stripe, private keys, GitHub, Slack) or .env file in git's tracked files or recent history."
    public let schema = Schema([
        FieldSpec("path", .string, default: ".", doc: "The git repository (working tree) to scan, relative to the project folder."),
        FieldSpec("history", .int, default: 100, doc: "Also scan the lines added by the last N commits (0: tracked files only)."),
        FieldSpec("min_length", .int, default: 8, doc: "Configured values shorter than this are not searched (they match ordinary text)."),
        FieldSpec("allow", .list(.object(Schema([
            FieldSpec("path", .string, doc: "Glob of paths whose findings are allowed (`docs/*.md`, `environments/local.env`)."),
            FieldSpec("secret", .string, doc: "A secret name or rule (`JWT_SECRET`, `aws_access_key_id`, `tracked_env_file`) allowed wherever it is found (combined with path/commit when given)."),
            FieldSpec("commit", .string, doc: "A commit (prefix) whose history findings are allowed, e.g. a key since rotated."),
            FieldSpec("reason", .string, required: true, doc: "Why this is acceptable; shown with every allowed finding."),
        ]))), doc: "Findings that are acceptable, each with a reason. An entry needs at least one of path, secret, commit."),
        FieldSpec("timeout", .duration, default: "10m", doc: "Longest the scan may take."),
    ])
    public let outputs = [
        "findings": "Findings not allowed (location and rule, never the value).",
        "allowed": "Findings allowed by `allow`, with their reason.",
        "tracked_files": "How many tracked files were scanned.",
        "commits": "How many commits' added lines were scanned.",
    ]

    struct Allow: Decodable, Sendable {
        var path: String?
        var secret: String?
        var commit: String?
        var reason: String

        func covers(_ f: SecretFinding) -> Bool {
            if let path, fnmatch(path, f.path, 0) != 0 { return false }
            if let secret, secret != f.rule { return false }
            if let commit { guard let c = f.commit, c.hasPrefix(commit) else { return false } }
            return true
        }
    }

    struct Config: Decodable {
        var path: String
        var history: Int
        var minLength: Int
        var allow: [Allow]
        var timeout: ConfigDuration

        enum CodingKeys: String, CodingKey { case path, history, minLength = "min_length", allow, timeout }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            history = try c.decode(Int.self, forKey: .history)
            guard history >= 0 else { throw Diagnostic.field("history", "must be 0 (tracked files only) or a number of commits", code: .wrongType) }
            minLength = try c.decode(Int.self, forKey: .minLength)
            guard minLength >= 4 else { throw Diagnostic.field("min_length", "must be at least 4", code: .wrongType) }
            allow = try c.decodeIfPresent([Allow].self, forKey: .allow) ?? []
            for (i, a) in allow.enumerated() {
                if a.path == nil && a.secret == nil && a.commit == nil {
                    throw Diagnostic.field("allow[\(i)]", "an allow entry needs path, secret or commit (and a reason)", code: .wrongType)
                }
                if a.reason.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw Diagnostic.field("allow[\(i)].reason", "say why this finding is acceptable", code: .wrongType)
                }
            }
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        guard let c = try request.decodeIfKnown(Config.self) else { return r }
        let n = request.context.secrets.count
        r.details.append("scans \(c.path) (tracked files" + (c.history > 0 ? " and the last \(c.history) commits" : "")
                         + ") for \(n) configured secret\(n == 1 ? "" : "s") and \(Set(KeyShape.all.map(\.name)).count) key shapes")
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let scanner = GitSecretScanner(runner: runner, minLength: c.minLength, timeout: c.timeout.seconds)
        let result: SecretScanResult
        do {
            result = try await scanner.scan(repo: request.context.path(c.path), secrets: request.context.secrets, history: c.history,
                                            progress: request.progress)
        } catch let e as ProcessError {
            throw ResourceFailure("cannot run git: \(e.description)")
        }
        var open: [SecretFinding] = []
        var allowed: [(SecretFinding, String)] = []
        for f in result.findings {
            if let a = c.allow.first(where: { $0.covers(f) }) { allowed.append((f, a.reason)) } else { open.append(f) }
        }
        let redact = request.context.redact
        let outputs: [String: Value] = [
            "findings": .list(open.map { .string(redact("\($0.location): \($0.what)")) }),
            "allowed": .list(allowed.map { .string(redact("\($0.0.location): \($0.0.what) — \($0.1)")) }),
            "tracked_files": .int(result.trackedFiles),
            "commits": .int(result.commits),
        ]
        let scope = "\(result.trackedFiles) tracked files" + (c.history > 0 ? ", \(result.commits) commits" : "")
        let allowedNote = allowed.isEmpty ? "" : "; \(allowed.count) allowed"
        guard open.isEmpty else {
            let shown = open.prefix(20).map { "  " + redact($0.text) }
            let more = open.count > 20 ? ["  … and \(open.count - 20) more"] : []
            throw ResourceFailure("\(open.count) secret finding\(open.count == 1 ? "" : "s") in git (\(scope)\(allowedNote)):\n"
                                  + (shown + more).joined(separator: "\n")
                                  + "\nRemove the value (rotate it: it stays in history), or add an allow entry with a reason.", outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "no secrets in \(scope)\(allowedNote)")
    }
}
