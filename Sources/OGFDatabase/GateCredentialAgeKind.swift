import Foundation
import OGFCore

/// `gate_credential_age`: credentials that are due for rotation fail the release, with their age
/// and what to rotate. One variant per system, each in its own part of this file's family:
///
/// - `postgres:` (here): the role's `VALID UNTIL` (`rolvaliduntil`), and the password's age as
///   ogf has seen it. PostgreSQL does not record when a password was set, so ogf keeps a salted
///   fingerprint of the URL's password in state with the date it first saw it: the age is "at
///   least this long", and starts counting at the first apply.
/// - `aws:` (CredentialAgeAWS.swift): IAM access key age of the deploying identity, through the
///   reader the catalogue hands in (OGFCloud's IAM client).
public struct GateCredentialAgeKind: ResourceKind {
    let aws: (any AccessKeyAgeReader)?
    let now: @Sendable () -> Date

    public init(aws: (any AccessKeyAgeReader)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.aws = aws
        self.now = now
    }

    public let name = "gate_credential_age"
    public let role = ResourceRole.gate
    public let summary = "Pre-flight: database roles and access keys are not past their expiry or older than max_age (rotate them)."
    public let schema = Schema([
        FieldSpec("postgres", .string, sensitive: true, doc: "postgres:// URL: checks the role's VALID UNTIL and how long its password has been unchanged (as ogf has seen it)."),
        FieldSpec("role", .string, doc: "With postgres: the role to check, when not the URL's own user (an expired role cannot log in, so check it from another)."),
        FieldSpec("aws", .object(Schema([
            FieldSpec("endpoint", .string, doc: "IAM endpoint; empty for AWS's own (tests and private endpoints set it)."),
            FieldSpec("profile", .string, doc: "Profile in ~/.aws/credentials or ~/.aws/config; empty: the AWS CLI's order (environment keys, web identity, AWS_PROFILE)."),
            FieldSpec("max_age", .duration, doc: "Overrides the top-level max_age for access keys."),
        ])), doc: "IAM access key age of the deploying identity (ListAccessKeys, SigV4-signed): every active key younger than max_age."),
        FieldSpec("max_age", .duration, default: "90d", doc: "Fail when a credential is older than this (`90d`); `0d` fails any credential with a known age."),
        FieldSpec("min_days_left", .int, default: 7, doc: "With postgres: fail when VALID UNTIL is this close."),
        FieldSpec("timeout", .duration, default: "10s", doc: "Connection timeout."),
    ])
    public let outputs = [
        "valid_until": "The role's VALID UNTIL (ISO 8601), or \"none\".",
        "password_fingerprint": "Salted hash of the password (state never holds it), to notice a rotation.",
        "password_seen_since": "When ogf first saw the current password (ISO 8601).",
        "password_age_days": "Days since then: a lower bound of the password's age.",
        "access_keys": "With aws: the number of active access keys.",
        "oldest_key_age_days": "With aws: the oldest active key's age in days.",
    ]

    struct AWSConfig: Decodable, Sendable {
        var endpoint: String?
        var profile: String?
        var maxAge: ConfigDuration?
        enum CodingKeys: String, CodingKey { case endpoint, profile, maxAge = "max_age" }
    }

    struct Config: Decodable {
        var postgres: PostgresTarget?
        var role: String?
        var aws: AWSConfig?
        var maxAge: ConfigDuration
        var minDaysLeft: Int
        var timeout: ConfigDuration

        enum CodingKeys: String, CodingKey { case postgres, role, aws, maxAge = "max_age", minDaysLeft = "min_days_left", timeout }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            postgres = try c.decodeIfPresent(PostgresTarget.self, forKey: .postgres)
            role = try c.decodeIfPresent(String.self, forKey: .role)
            aws = try c.decodeIfPresent(AWSConfig.self, forKey: .aws)
            maxAge = try c.decode(ConfigDuration.self, forKey: .maxAge)
            minDaysLeft = try c.decode(Int.self, forKey: .minDaysLeft)
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
            guard (postgres == nil) != (aws == nil) else {
                throw Diagnostic.field(postgres == nil ? "postgres" : "aws", "set exactly one of postgres: and aws: (one credential per gate)", code: .missingField)
            }
            if role != nil && postgres == nil { throw Diagnostic.field("role", "role: goes with postgres:") }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        var r = defaultPlan(request)
        guard let c = try request.decodeIfKnown(Config.self) else { return r }
        if c.aws != nil, aws == nil { throw Self.awsNotSupported }
        if c.postgres != nil {
            r.details.append("role \(c.role ?? "of the URL"): VALID UNTIL, and password unchanged for at most \(Self.age(c.maxAge))")
        }
        return r
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        if let a = c.aws {
            guard let aws else { throw Self.awsNotSupported }
            return try await checkAWS(a, reader: aws, maxAge: a.maxAge ?? c.maxAge, now: now(), context: request.context)
        }
        return try await checkPostgres(c, c.postgres!, request)
    }

    static var awsNotSupported: Diagnostic {
        .field("aws", "gate_credential_age with aws: needs an IAM client, and this build of the kind has none (the catalogue's kind has one); use postgres: here")
    }

    func checkPostgres(_ c: Config, _ target: PostgresTarget, _ request: ApplyRequest) async throws -> ApplyResponse {
        let conn: PostgresConnection
        do {
            conn = try await target.connect(application: "ogf apply \(request.context.environment) (credential age)", timeout: c.timeout.seconds)
        } catch let f as ResourceFailure {
            throw ResourceFailure(f.message + (c.role == nil
                ? ". A role past its VALID UNTIL cannot log in: check it from another role with role:" : ""))
        }
        let row = try await pg(conn) {
            try $0.query("SELECT rolname, to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), extract(epoch FROM rolvaliduntil - now())::float8 FROM pg_roles WHERE rolname = coalesce($1, current_user)",
                         [c.role]).rows.first
        }
        let roleName = c.role ?? target.url.user ?? "?"
        guard let row else { throw ResourceFailure("\(target.shown): role \(roleName) does not exist") }
        let name = row[0] ?? roleName
        var outputs: [String: Value] = ["valid_until": .string(row[1] ?? "none")]
        var problems: [String] = []
        var notes: [String] = []
        if let until = row[1], let left = row[2].flatMap(Double.init) {
            let days = Int((left / 86400).rounded(.down))
            if left <= 0 {
                problems.append("role \(name) expired on \(until) (VALID UNTIL): it can no longer log in; set a new password and validity (ALTER ROLE \(name) PASSWORD '…' VALID UNTIL '…')")
            } else if days < c.minDaysLeft {
                problems.append("role \(name) expires in \(days) day\(days == 1 ? "" : "s") (VALID UNTIL \(until)), within min_days_left \(c.minDaysLeft): rotate its password and extend VALID UNTIL")
            } else {
                notes.append("valid until \(until) (\(days) days)")
            }
        } else {
            notes.append("no VALID UNTIL")
        }
        // The password's age: PostgreSQL does not record it, so use ogf's own record.
        if c.role == nil || c.role == target.url.user, let password = target.url.password {
            let print = request.context.hashSecret(password)
            var since = now()
            if case .redacted(let old)? = request.prior?.outputs["password_fingerprint"], old == print,
               let text = request.prior?.outputs["password_seen_since"]?.stringValue, let d = ISO8601DateFormatter().date(from: text) {
                since = d
            }
            let age = now().timeIntervalSince(since)
            let days = Int((age / 86400).rounded(.down))
            outputs["password_fingerprint"] = .sensitive(.string(password))
            outputs["password_seen_since"] = .string(ISO8601DateFormatter().string(from: since))
            outputs["password_age_days"] = .int(days)
            if age > c.maxAge.seconds {
                problems.append("role \(name)'s password has been unchanged for at least \(days) days (since \(Self.day(since)), as recorded by ogf), older than max_age \(Self.age(c.maxAge)): rotate it (ALTER ROLE \(name) PASSWORD '…') and update the secret")
            } else {
                notes.append("password unchanged for at least \(days) day\(days == 1 ? "" : "s") (PostgreSQL does not record password changes; counted from ogf's first sight)")
            }
        } else {
            notes.append("password age not checked (PostgreSQL does not record it, and ogf sees only the URL's own password)")
        }
        guard problems.isEmpty else { throw ResourceFailure(problems.joined(separator: "; "), outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "role \(name): " + notes.joined(separator: "; "))
    }

    /// `90d` rather than `2160h0m`: credential ages are counted in days.
    static func age(_ d: ConfigDuration) -> String {
        d.seconds.truncatingRemainder(dividingBy: 86400) == 0 ? "\(Int(d.seconds / 86400))d" : d.description
    }

    static func day(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: d)
    }
}
