import Foundation
import OGFCore

/// A secret setting (a token, a webhook URL): usable by the sink, shown only as `(sensitive)`.
public struct SecretText: Sendable, Equatable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "(sensitive)" }
}

/// Which moments of a run a notification is sent for.
public enum NotifyPhase: String, Sendable, CaseIterable {
    case started, succeeded, failed
    case rolledBack = "rolled_back"
}

/// `notify:` of an environment, evaluated (variables and secrets resolved) and typed. Every
/// sink is optional; a sink left out is off.
public struct NotifyConfig: Sendable {
    public struct Grafana: Sendable {
        public var url: String
        public var token: SecretText
        public var dashboardUID: String?
        public var tags: [String]
    }
    public struct Pushgateway: Sendable {
        public var url: String
        public var job: String
    }
    public struct OTLP: Sendable {
        /// Base URL; traces go to `<endpoint>/v1/traces` unless it already ends so.
        public var endpoint: String
        public var headers: [String: SecretText]
        public var serviceName: String
    }
    public struct Slack: Sendable {
        public var webhook: SecretText
        public var on: Set<NotifyPhase>
    }
    public struct Email: Sendable {
        /// `smtp://host:port` (STARTTLS when the server offers it) or `smtps://host:port`.
        public var smtp: SecretText
        public var from: String
        public var to: [String]
        public var on: Set<NotifyPhase>
        public var username: String?
        public var password: SecretText?
    }

    public var grafana: Grafana?
    public var pushgateway: Pushgateway?
    public var otlp: OTLP?
    public var slack: Slack?
    public var email: Email?
    /// Per request.
    public var timeout: Double = 5
    /// Attempts after the first, with exponential backoff (429 honours Retry-After).
    public var retries: Int = 2
    /// The longest ogf waits for all sinks at the end of a run.
    public var deadline: Double = 20

    public init() {}

    public var isEmpty: Bool { grafana == nil && pushgateway == nil && otlp == nil && slack == nil && email == nil }

    public static let keys = ["grafana", "pushgateway", "otlp", "slack", "email", "timeout", "retries", "deadline"]

    /// Types the evaluated `notify:` mapping. Errors name the key (`notify.slack.on: …`).
    public static func decode(_ value: Value) throws -> NotifyConfig {
        try decode(value, lenient: false)
    }

    /// Checks `notify:` before any secret is at hand (`ogf validate`, `ogf plan`): the same rules
    /// as `decode`, but a value not known yet (`${secret.X}`, `${env.X}`) passes as a string.
    public static func check(_ value: Value) throws {
        _ = try decode(value, lenient: true)
    }

    static func decode(_ value: Value, lenient: Bool) throws -> NotifyConfig {
        var c = NotifyConfig()
        let top = try Fields(value, path: "notify", allowed: keys, lenient: lenient)
        if let t = try top.duration("timeout") { c.timeout = t }
        if let r = try top.int("retries") { c.retries = max(0, min(r, 10)) }
        if let d = try top.duration("deadline") { c.deadline = d }
        if let g = try top.sub("grafana", allowed: ["url", "token", "dashboard_uid", "tags"]) {
            c.grafana = Grafana(url: try g.string("url", required: true)!, token: try g.secret("token", required: true)!,
                                dashboardUID: try g.string("dashboard_uid"), tags: try g.strings("tags") ?? [])
        }
        if let p = try top.sub("pushgateway", allowed: ["url", "job"]) {
            c.pushgateway = Pushgateway(url: try p.string("url", required: true)!, job: try p.string("job") ?? "ogf")
        }
        if let o = try top.sub("otlp", allowed: ["endpoint", "headers", "service_name"]) {
            var headers: [String: SecretText] = [:]
            if let h = o.map["headers"] {
                guard case .map(let m) = h.unmarked else { throw NotifyConfigError("notify.otlp.headers: expected a mapping of header names to values") }
                for (k, v) in m { headers[k] = SecretText(v.stringValue ?? v.description) }
            }
            c.otlp = OTLP(endpoint: try o.string("endpoint", required: true)!, headers: headers, serviceName: try o.string("service_name") ?? "ogf")
        }
        if let s = try top.sub("slack", allowed: ["webhook", "on"]) {
            c.slack = Slack(webhook: try s.secret("webhook", required: true)!, on: try s.phases("on") ?? Set(NotifyPhase.allCases))
        }
        if let e = try top.sub("email", allowed: ["smtp", "from", "to", "on", "username", "password"]) {
            let to = try e.strings("to") ?? []
            guard !to.isEmpty || (lenient && e.map["to"].map { !$0.isKnown } == true) else { throw NotifyConfigError("notify.email.to: expected at least one address") }
            c.email = Email(smtp: try e.secret("smtp", required: true)!, from: try e.string("from", required: true)!, to: to,
                            on: try e.phases("on") ?? [.failed, .rolledBack], username: try e.string("username"), password: try e.secret("password"))
        }
        return c
    }

    struct Fields {
        let map: [String: Value]
        let path: String
        /// Values not known yet pass (checked again, known, when the run starts).
        let lenient: Bool

        init(_ v: Value, path: String, allowed: [String], lenient: Bool = false) throws {
            self.lenient = lenient
            self.path = path
            guard case .map(let m) = v.unmarked else {
                if lenient, !v.isKnown {
                    map = [:]
                    return
                }
                throw NotifyConfigError("\(path): expected a mapping")
            }
            for k in m.keys.sorted() where !allowed.contains(k) {
                throw NotifyConfigError("\(path).\(k): unknown key (expected one of \(allowed.joined(separator: ", ")))")
            }
            map = m
        }

        func sub(_ k: String, allowed: [String]) throws -> Fields? {
            guard let v = map[k], v != .null else { return nil }
            return try Fields(v, path: "\(path).\(k)", allowed: allowed, lenient: lenient)
        }

        func string(_ k: String, required: Bool = false) throws -> String? {
            guard let v = map[k], v != .null else {
                if required { throw NotifyConfigError("\(path).\(k): required") }
                return nil
            }
            if lenient, !v.isKnown { return "(not known yet)" }
            guard let s = v.unmarked.stringValue, !s.isEmpty else { throw NotifyConfigError("\(path).\(k): expected a non-empty string") }
            return s
        }

        func secret(_ k: String, required: Bool = false) throws -> SecretText? {
            try string(k, required: required).map(SecretText.init)
        }

        func strings(_ k: String) throws -> [String]? {
            guard let v = map[k], v != .null else { return nil }
            if lenient, !v.isKnown, case .list = v.unmarked {} else if lenient, !v.isKnown { return nil }
            guard case .list(let xs) = v.unmarked else { throw NotifyConfigError("\(path).\(k): expected a list of strings") }
            return try xs.compactMap { x in
                if lenient, !x.isKnown { return nil }
                guard let s = x.unmarked.stringValue else { throw NotifyConfigError("\(path).\(k): expected a list of strings") }
                return s
            }
        }

        func phases(_ k: String) throws -> Set<NotifyPhase>? {
            try strings(k).map { names in
                Set(try names.map { n in
                    guard let p = NotifyPhase(rawValue: n) else {
                        throw NotifyConfigError("\(path).\(k): unknown event \"\(n)\" (expected \(NotifyPhase.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    return p
                })
            }
        }

        func int(_ k: String) throws -> Int? {
            guard let v = map[k], v != .null else { return nil }
            if lenient, !v.isKnown { return nil }
            guard let i = v.unmarked.intValue else { throw NotifyConfigError("\(path).\(k): expected an integer") }
            return i
        }

        func duration(_ k: String) throws -> Double? {
            guard let v = map[k], v != .null else { return nil }
            if lenient, !v.isKnown { return nil }
            if let i = v.unmarked.intValue { return Double(i) }
            guard let s = v.unmarked.stringValue, let d = DurationText.seconds(s) else { throw NotifyConfigError("\(path).\(k): expected a duration such as 5s") }
            return d
        }
    }
}

public struct NotifyConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
