import Foundation
import OGFCore
import OGFSupport

/// One place a secret showed up. Never holds the value: `fragment` is masked (`sk_l…(32 chars)`).
public struct SecretFinding: Sendable, Hashable, Comparable {
    /// The configured secret's name, a key shape's name (`aws_access_key_id`) or `tracked_env_file`.
    public var rule: String
    /// "secret JWT_SECRET", "AWS access key id", "tracked .env file".
    public var what: String
    public var fragment: String
    public var path: String
    /// 0 for findings about a whole file.
    public var line: Int
    /// The commit that added the line, for findings in history; nil for the working tree.
    public var commit: String?

    public var location: String {
        (line > 0 ? "\(path):\(line)" : path) + (commit.map { " (commit \($0.prefix(12)))" } ?? "")
    }

    public var text: String { "\(location): \(what)" + (fragment.isEmpty ? "" : " \(fragment)") }

    public static func < (a: SecretFinding, b: SecretFinding) -> Bool {
        ((a.commit == nil ? 0 : 1), a.path, a.line, a.commit ?? "", a.rule) < ((b.commit == nil ? 0 : 1), b.path, b.line, b.commit ?? "", b.rule)
    }

    /// `sk_l…(32 chars)`: four leading characters only when the value is long enough that they
    /// say nothing useful about it.
    static func mask(_ value: String) -> String {
        let n = value.count
        return n >= 16 ? "\(value.prefix(4))…(\(n) chars)" : "…(\(n) chars)"
    }
}

/// What a scan looked at and found.
public struct SecretScanResult: Sendable {
    public var findings: [SecretFinding]
    public var trackedFiles: Int
    public var commits: Int
}

/// Looks for configured secret values and well-known key shapes in a git repository's tracked
/// files and recent history. git runs through the injected ProcessRunner; values reach git only
/// through a pattern file readable by the owner alone (never the command line, which other users
/// can see in `ps`), and matches are read back into memory and reduced to masked findings.
public struct GitSecretScanner: Sendable {
    let runner: any ProcessRunner
    /// Values shorter than this are not searched: they match ordinary text.
    public var minLength: Int
    public var timeout: Double

    public init(runner: any ProcessRunner, minLength: Int = 8, timeout: Double = 600) {
        self.runner = runner
        self.minLength = minLength
        self.timeout = timeout
    }

    /// The values to search for, by value (several names may share one): multi-line values are
    /// searched line by line, since git grep and diffs are line-based.
    func literals(_ secrets: [String: String]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (name, value) in secrets {
            for part in value.split(whereSeparator: \.isNewline) {
                let p = part.trimmingCharacters(in: .whitespaces)
                if p.utf8.count >= minLength { out[p, default: []].append(name) }
            }
        }
        return out.mapValues { $0.sorted() }
    }

    public func scan(repo: String, secrets: [String: String], history: Int, progress: @Sendable (String) -> Void = { _ in }) async throws -> SecretScanResult {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let git = Git(runner: runner, repo: repo, scratch: scratch.path, timeout: timeout)
        let top = try await git.run(["rev-parse", "--is-inside-work-tree"], to: "top")
        guard top.result.exitCode == 0 else {
            throw ResourceFailure("\(repo) is not a git working tree (git: \(top.result.outputTail.trimmingCharacters(in: .whitespacesAndNewlines))). Set path: to the project's repository.")
        }
        let values = literals(secrets)
        // One fixed-string pass finds every line holding a value or a shape's prefix; ogf then
        // matches the values and the full shapes on those few lines (an ERE pass over the tree
        // cost several times git grep -F).
        let prefixes = Set(KeyShape.all.flatMap { $0.prefixes.map { String(decoding: $0, as: UTF8.self) } })
        let patternFile = scratch.path + "/patterns"
        guard FileManager.default.createFile(atPath: patternFile, contents: Data((values.keys.sorted() + prefixes.sorted()).joined(separator: "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ResourceFailure("cannot write a pattern file in \(scratch.path)")
        }
        let hasHead = try await git.run(["rev-parse", "--verify", "--quiet", "HEAD"], to: "head").result.exitCode == 0
        progress("scanning tracked files" + (history > 0 && hasHead ? " and the last \(history) commits" : ""))

        async let files = git.run(["ls-files", "-z"], to: "files")
        async let lineHits = git.run(["grep", "-n", "-I", "-z", "--no-color", "-F", "-f", patternFile], to: "lines")
        async let log: GitRun? = history > 0 && hasHead
            ? git.stream(["log", "-p", "-n", String(history), "--format=commit %H", "--unified=0", "--no-color", "--no-ext-diff",
                          "--no-renames", "--no-textconv", "HEAD"], fifo: scratch.path + "/log")
            : nil

        var findings: [SecretFinding] = []
        let listed = try await files
        try listed.check("ls-files")
        let paths = listed.output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        for p in paths where Self.isEnvFile(p) {
            findings.append(SecretFinding(rule: "tracked_env_file", what: "tracked .env file (keep it out of git: git rm --cached, add to .gitignore)",
                                          fragment: "", path: p, line: 0, commit: nil))
        }
        let matchers = KeyShape.all.map(ShapeMatcher.init)
        let lineScanner = HistoryScanner(values: values, matchers: matchers)
        let hits = try await lineHits
        try hits.check("grep", allowNoMatch: true)
        findings += lineScanner.scanGrep(hits.output)
        var commits = 0
        if let run = try await log {
            try run.check("log")
            let data = run.output
            let history = HistoryScanner(values: values, matchers: matchers)
            let found = history.scan(data)
            commits = found.commits
            findings += found.findings
        }
        return SecretScanResult(findings: Array(Set(findings)).sorted(), trackedFiles: paths.count, commits: commits)
    }

    /// `.env`, `.env.production`, `local.env`; templates meant to be committed (`.env.example`,
    /// `.sample`, `.template`, `.dist`) are not findings.
    static func isEnvFile(_ path: String) -> Bool {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        for t in [".example", ".sample", ".template", ".dist", ".defaults"] where base.hasSuffix(t) { return false }
        return base == ".env" || base.hasPrefix(".env.") || base.hasSuffix(".env")
    }

}

/// Scans `git log -p --unified=0` output: the added lines of each commit, for configured values
/// and key shapes, in one pass over the bytes. A two-byte prefix table keeps the common case (no
/// candidate at this position) to one array read.
struct HistoryScanner {
    struct Literal { var bytes: [UInt8]; var names: [String]; var text: String }
    let literals: [UInt16: [Literal]]
    let shapes: [UInt16: [ShapeMatcher]]
    var table = [Bool](repeating: false, count: 65536)

    init(values: [String: [String]], matchers: [ShapeMatcher]) {
        var lits: [UInt16: [Literal]] = [:]
        for (v, names) in values {
            let b = Array(v.utf8)
            let key = UInt16(b[0]) << 8 | UInt16(b[1])
            lits[key, default: []].append(Literal(bytes: b, names: names, text: v))
            table[Int(key)] = true
        }
        var sh: [UInt16: [ShapeMatcher]] = [:]
        for m in matchers {
            for p in m.shape.prefixes {
                let key = UInt16(p[0]) << 8 | UInt16(p[1])
                sh[key, default: []].append(m)
                table[Int(key)] = true
            }
        }
        literals = lits
        shapes = sh
    }

    func scan(_ data: Data) -> (findings: [SecretFinding], commits: Int) {
        data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var findings: [SecretFinding] = []
            var commits = 0
            var commit = ""
            var path = ""
            var lineNo = 0
            var inHeader = false
            var i = 0
            let n = b.count
            while i < n {
                var e = i
                while e < n, b[e] != 0x0A { e += 1 }
                let first = b[i]
                if first == UInt8(ascii: "+"), !inHeader {
                    scanLine(b, from: i + 1, to: e) { rule, what, fragment in
                        findings.append(SecretFinding(rule: rule, what: what, fragment: fragment, path: path, line: lineNo, commit: commit))
                    }
                    lineNo += 1
                } else if first == UInt8(ascii: "c"), starts(b, i, e, "commit ") {
                    commit = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 7)..<e]), as: UTF8.self)
                    commits += 1
                    inHeader = false
                } else if first == UInt8(ascii: "d"), starts(b, i, e, "diff --git ") {
                    inHeader = true
                } else if inHeader, first == UInt8(ascii: "+"), starts(b, i, e, "+++ ") {
                    let p = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 4)..<e]), as: UTF8.self)
                    path = p.hasPrefix("b/") ? String(p.dropFirst(2)) : p
                } else if first == UInt8(ascii: "@"), starts(b, i, e, "@@ ") {
                    inHeader = false
                    lineNo = Self.newStart(String(decoding: UnsafeBufferPointer(rebasing: b[i..<e]), as: UTF8.self))
                } else if first == UInt8(ascii: " ") {
                    lineNo += 1
                }
                i = e + 1
            }
            return (findings, commits)
        }
    }

    /// `git grep -n -z` output (path NUL line NUL text, one line each): values and shapes on those lines.
    func scanGrep(_ data: Data) -> [SecretFinding] {
        data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var findings: [SecretFinding] = []
            var i = 0
            let n = b.count
            while i < n {
                var e = i
                while e < n, b[e] != 0x0A { e += 1 }
                var z1 = i
                while z1 < e, b[z1] != 0 { z1 += 1 }
                var z2 = z1 + 1
                while z2 < e, b[z2] != 0 { z2 += 1 }
                if z2 < e {
                    let path = String(decoding: UnsafeBufferPointer(rebasing: b[i..<z1]), as: UTF8.self)
                    let line = Int(String(decoding: UnsafeBufferPointer(rebasing: b[(z1 + 1)..<z2]), as: UTF8.self)) ?? 0
                    scanLine(b, from: z2 + 1, to: e) { rule, what, fragment in
                        findings.append(SecretFinding(rule: rule, what: what, fragment: fragment, path: path, line: line, commit: nil))
                    }
                }
                i = e + 1
            }
            return findings
        }
    }

    func starts(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ e: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard e - i >= n else { return false }
        let p = s.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return false }
        return true
    }

    /// `@@ -a,b +c,d @@` → c.
    static func newStart(_ header: String) -> Int {
        guard let plus = header.split(separator: " ").first(where: { $0.hasPrefix("+") }) else { return 0 }
        return Int(plus.dropFirst().split(separator: ",").first ?? "") ?? 0
    }

    func scanLine(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, found: (String, String, String) -> Void) {
        var i = from
        while i + 1 < end {
            let key = UInt16(b[i]) << 8 | UInt16(b[i + 1])
            guard table[Int(key)] else { i += 1; continue }
            var advanced = false
            if let lits = literals[key] {
                for l in lits where i + l.bytes.count <= end {
                    var same = true
                    for k in 2..<l.bytes.count where b[i + k] != l.bytes[k] { same = false; break }
                    if same {
                        found(l.names[0], "secret " + l.names.joined(separator: "/"), SecretFinding.mask(l.text))
                        i += l.bytes.count
                        advanced = true
                        break
                    }
                }
            }
            if !advanced, let ms = shapes[key] {
                for m in ms {
                    if let len = m.match(b, at: i, end: end) {
                        let text = String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + len)]), as: UTF8.self)
                        found(m.shape.name, m.shape.title, m.shape.showMatch ? "" : SecretFinding.mask(text))
                        i += len
                        advanced = true
                        break
                    }
                }
            }
            if !advanced { i += 1 }
        }
    }
}

/// A git invocation's exit status and (when redirected) its standard output.
struct GitRun: Sendable {
    var result: ProcessResult
    var output: Data

    func check(_ what: String, allowNoMatch: Bool = false) throws {
        if result.timedOut { throw ResourceFailure("git \(what) timed out") }
        if result.exitCode == 0 || (allowNoMatch && result.exitCode == 1) { return }
        throw ResourceFailure("git \(what) failed (exit \(result.exitCode)): \(result.outputTail.trimmingCharacters(in: .whitespacesAndNewlines).suffix(500))")
    }
}

/// git in one repository. Output that can be long goes to a file in the scratch folder (the
/// runner keeps only a tail), through `sh -c 'exec "$@" > FILE'` so arguments are never parsed
/// by a shell.
struct Git: Sendable {
    let runner: any ProcessRunner
    let repo: String
    let scratch: String
    let timeout: Double

    func run(_ args: [String], to name: String?) async throws -> GitRun {
        let env = ProcessInfo.processInfo.environment
        var environment = ["LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PATH": env["PATH"] ?? "/usr/bin:/bin"]
        if let home = env["HOME"] { environment["HOME"] = home }
        let git = ["git", "-c", "core.quotePath=false", "-C", repo] + args
        guard let name else {
            return GitRun(result: try await runner.run(git, directory: repo, environment: environment, timeout: timeout), output: Data())
        }
        let file = scratch + "/" + name
        environment["OGF_GIT_OUT"] = file
        let r = try await runner.run(["sh", "-c", "exec \"$@\" > \"$OGF_GIT_OUT\"", "sh"] + git, directory: repo, environment: environment, timeout: timeout)
        let data = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
        try? FileManager.default.removeItem(atPath: file)
        return GitRun(result: r, output: data)
    }
}

extension Git {
    /// Runs a git command that writes to `--output=FILE` (git log) into a named pipe read by a
    /// thread of ogf's: the diff of a long history goes straight into memory, never to the disk.
    func stream(_ args: [String], fifo: String) async throws -> GitRun {
        guard mkfifo(fifo, 0o600) == 0 else { throw ResourceFailure("mkfifo \(fifo): \(String(cString: strerror(errno)))") }
        async let data = Self.drain(fifo)
        let result: ProcessResult
        do {
            result = try await run(Array(args.dropLast()) + ["--output=" + fifo, args.last!], to: nil).result
        } catch {
            Self.release(fifo)
            _ = await data
            throw error
        }
        // A git that failed before opening the pipe leaves the reader waiting in open(): let it go.
        Self.release(fifo)
        return GitRun(result: result, output: await data)
    }

    static func release(_ fifo: String) {
        let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd >= 0 { close(fd) }
    }

    /// Reads a FIFO to its end on a thread of its own (open and read block).
    static func drain(_ fifo: String) async -> Data {
        await withCheckedContinuation { (cont: CheckedContinuation<Data, Never>) in
            Thread {
                var out = Data()
                let fd = open(fifo, O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 1 << 17)
                    while true {
                        let n = read(fd, &buffer, buffer.count)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { break }
                        out.append(buffer, count: n)
                    }
                    close(fd)
                }
                cont.resume(returning: out)
            }.start()
        }
    }
}

/// A private temporary folder (0700), removed after the scan: it briefly holds the pattern file
/// and git's matches.
struct Scratch {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ogf-git-secrets-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw ResourceFailure("cannot create a private temporary folder") }
        path = String(cString: p)
        chmod(path, 0o700)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
