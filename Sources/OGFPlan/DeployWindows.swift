import Foundation
import OGFConfig
import OGFCore

/// Whether an instant falls in an environment's deploy windows: a deny rule that matches blocks
/// (deny beats allow); when there are allow rules, one of them must match. Pure: the clock is an
/// argument, so tests pick the instant (midnight, DST changes) and no test depends on today.
public enum DeployWindows {
    public struct Verdict: Sendable, Equatable {
        public var allowed: Bool
        /// Why not, naming the instant in the rule's time zone and the rule with its position:
        /// `Friday 14:02 Europe/Berlin is in "deny fri, sat, sun" (environments/production.yaml:5:7)`.
        public var reason: String?
        /// When the next window opens, within a week; nil when allowed or none opens in that time.
        public var nextOpen: Date?
        /// `Mon 02:00 Europe/Berlin`, in the time zone of the first rule.
        public var nextOpenText: String?
    }

    public static func evaluate(_ rules: [WindowRule], at now: Date) -> Verdict {
        guard let why = blockReason(rules, at: now) else { return Verdict(allowed: true) }
        // Minute by minute from the next whole minute, for a week: a few thousand calendar
        // look-ups, well under the cost of reading the configuration.
        var t = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = now.addingTimeInterval(7 * 24 * 3600 + 60)
        while t <= limit {
            if blockReason(rules, at: t) == nil {
                return Verdict(allowed: false, reason: why, nextOpen: t, nextOpenText: format(t, rules.first?.timeZone ?? .gmt, weekday: .abbreviated))
            }
            t += 60
        }
        return Verdict(allowed: false, reason: why)
    }

    static func blockReason(_ rules: [WindowRule], at t: Date) -> String? {
        if let deny = rules.first(where: { $0.effect == .deny && matches($0, t) }) {
            return "\(format(t, deny.timeZone, weekday: .wide)) is in \"\(deny.text)\" (\(deny.location))"
        }
        let allows = rules.filter { $0.effect == .allow }
        if !allows.isEmpty, !allows.contains(where: { matches($0, t) }) {
            let zone = allows[0].timeZone
            return "\(format(t, zone, weekday: .wide)) is outside every allow rule (\(allows.map { "\"\($0.text)\" (\($0.location))" }.joined(separator: ", ")))"
        }
        return nil
    }

    static func matches(_ rule: WindowRule, _ t: Date) -> Bool {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = rule.timeZone
        let c = cal.dateComponents([.weekday, .hour, .minute], from: t)
        if let days = rule.days, !days.contains(c.weekday ?? 0) { return false }
        if let h = rule.hours {
            let m = (c.hour ?? 0) * 60 + (c.minute ?? 0)
            return h.start < h.end ? (m >= h.start && m < h.end) : (m >= h.start || m < h.end)
        }
        return true
    }

    enum Weekday { case wide, abbreviated }

    static func format(_ t: Date, _ zone: TimeZone, weekday: Weekday) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.weekday, .hour, .minute], from: t)
        let names = weekday == .wide ? ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
                                     : ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        return String(format: "%@ %02d:%02d %@", names[(c.weekday ?? 1) - 1], c.hour ?? 0, c.minute ?? 0, zone.identifier)
    }
}

/// A deploy let through a closed window with `--override-policy REASON`: recorded in the plan
/// file, shown at the top of the plan, and kept in state history.
public struct PolicyOverride: Sendable, Codable, Equatable {
    public var reason: String
    public var user: String
    public var host: String
    public var at: Date
    /// What the policy said: `Friday 14:02 Europe/Berlin is in "deny fri, sat, sun" (…)`.
    public var blocked: String

    public init(reason: String, user: String, host: String, at: Date, blocked: String) {
        self.reason = reason
        self.user = user
        self.host = host
        self.at = at
        self.blocked = blocked
    }
}
