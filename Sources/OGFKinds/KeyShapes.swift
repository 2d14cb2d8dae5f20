/// Well-known credential shapes gate_git_secrets looks for besides configured values: a set of
/// prefixes (what `git grep -F` looks for in tracked files) and what must follow them, matched on
/// bytes by `ShapeMatcher` for tracked files and history alike.
public struct KeyShape: Sendable {
    /// Stable rule name, shown in findings and usable in `allow: [{secret: NAME}]`.
    public var name: String
    /// What a reader sees: "AWS access key id".
    public var title: String
    var prefixes: [[UInt8]]
    /// Allowed bytes after the prefix, as ranges and bytes (`A-Z0-9`, `A-Za-z0-9-`).
    var charset: String
    var minBody: Int
    var maxBody: Int?
    /// For PEM blocks: the body must end with this text and be followed by `terminator`.
    var bodySuffix: [UInt8] = []
    var terminator: [UInt8] = []
    /// Whether the matched text may be shown (a PEM header holds no secret; a token does).
    var showMatch = false

    public static let all: [KeyShape] = [
        KeyShape(name: "aws_access_key_id", title: "AWS access key id", prefixes: ["AKIA", "ASIA"].map(bytes), charset: "A-Z0-9", minBody: 16, maxBody: 16),
        KeyShape(name: "stripe_live_key", title: "Stripe live key", prefixes: ["sk_live_", "rk_live_"].map(bytes), charset: "A-Za-z0-9", minBody: 16),
        KeyShape(name: "private_key", title: "private key block", prefixes: [bytes("-----BEGIN ")], charset: "A-Z ", minBody: 0,
                 bodySuffix: bytes("PRIVATE KEY"), terminator: bytes("-----"), showMatch: true),
        KeyShape(name: "github_token", title: "GitHub token", prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].map(bytes), charset: "A-Za-z0-9", minBody: 36),
        KeyShape(name: "github_token", title: "GitHub token", prefixes: [bytes("github_pat_")], charset: "A-Za-z0-9_", minBody: 22),
        KeyShape(name: "slack_token", title: "Slack token", prefixes: ["xoxa-", "xoxb-", "xoxp-", "xoxr-"].map(bytes), charset: "A-Za-z0-9-", minBody: 10),
    ]

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Bytes the charset allows, as a 256-entry table.
    var allowed: [Bool] {
        var t = [Bool](repeating: false, count: 256)
        let c = Array(charset.utf8)
        var i = 0
        while i < c.count {
            if i + 2 < c.count, c[i + 1] == UInt8(ascii: "-") {
                for b in c[i]...c[i + 2] { t[Int(b)] = true }
                i += 3
            } else {
                t[Int(c[i])] = true
                i += 1
            }
        }
        return t
    }
}

/// A compiled key shape: matches at a position of a byte buffer.
struct ShapeMatcher: Sendable {
    let shape: KeyShape
    let allowed: [Bool]

    init(_ shape: KeyShape) {
        self.shape = shape
        allowed = shape.allowed
    }

    /// The length of the match starting at `i` (prefix included), or nil.
    func match(_ b: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int? {
        for p in shape.prefixes where i + p.count <= end {
            var ok = true
            for k in 0..<p.count where b[i + k] != p[k] { ok = false; break }
            guard ok else { continue }
            var j = i + p.count
            let limit = shape.maxBody.map { min(end, j + $0) } ?? end
            while j < limit, allowed[Int(b[j])] { j += 1 }
            let body = j - i - p.count
            guard body >= shape.minBody else { continue }
            if shape.terminator.isEmpty { return j - i }
            // PEM: [A-Z ]* then "PRIVATE KEY-----"; the body's greedy run ends right before "-----".
            let s = shape.bodySuffix, t = shape.terminator
            guard body >= s.count, j + t.count <= end else { continue }
            var tail = true
            for k in 0..<s.count where b[j - s.count + k] != s[k] { tail = false; break }
            for k in 0..<t.count where b[j + k] != t[k] { tail = false; break }
            if tail { return j + t.count - i }
        }
        return nil
    }
}
