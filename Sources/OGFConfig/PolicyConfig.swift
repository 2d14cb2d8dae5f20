import Foundation
import OGFCore
import OGFYAML

/// An environment's deploy policy (`policy:` in the environment file): when it may be deployed,
/// what the changelog must say, and which operations are exempt.
public struct PolicyConfig: Sendable {
    public var windows: [WindowRule]
    public var changelog: ChangelogRule?
    /// Operations the windows do not block: `rollback` by default (a rollback is how a bad
    /// release is taken back, at any hour).
    public var exempt: Set<String>
    public var location: SourceLocation

    public init(windows: [WindowRule] = [], changelog: ChangelogRule? = nil, exempt: Set<String> = ["rollback"], location: SourceLocation) {
        self.windows = windows
        self.changelog = changelog
        self.exempt = exempt
        self.location = location
    }
}

/// One `allow` or `deny` rule: on these weekdays, in these hours, in this time zone. A field left
/// out matches always (`deny: {days: [fri]}` is all of Friday).
public struct WindowRule: Sendable {
    public enum Effect: String, Sendable { case allow, deny }

    public var effect: Effect
    /// Calendar weekdays, 1 = Sunday … 7 = Saturday; nil for every day.
    public var days: Set<Int>?
    /// Minutes after local midnight, end exclusive; an end before the start wraps past midnight
    /// (`22:00-02:00`). The weekday is the local date of the instant being checked.
    public var hours: (start: Int, end: Int)?
    public var timeZone: TimeZone
    public var location: SourceLocation
    /// The rule as written, for messages: `deny fri, sat, sun`.
    public var text: String

    public init(effect: Effect, days: Set<Int>?, hours: (start: Int, end: Int)?, timeZone: TimeZone, location: SourceLocation, text: String) {
        self.effect = effect
        self.days = days
        self.hours = hours
        self.timeZone = timeZone
        self.location = location
        self.text = text
    }
}

/// `changelog: {file: CHANGELOG.md, must_mention: "${var.release}"}`.
public struct ChangelogRule: Sendable {
    public var file: String
    public var mustMention: Expr
    public var location: SourceLocation
}

enum PolicyParser {
    static let dayNames = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]
    static let policyKeys = ["windows", "changelog", "exempt"]
    static let ruleKeys = ["days", "hours", "time_zone"]
    static let exemptions = ["rollback"]

    static func parse(_ node: YAMLNode, diagnostics: inout [Diagnostic]) -> PolicyConfig? {
        guard let pairs = node.mapping else {
            diagnostics.append(.error("policy: expected a mapping with windows, changelog or exempt, found \(node.kindName)", code: .wrongType, at: node.location))
            return nil
        }
        var policy = PolicyConfig(location: node.location)
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            switch key {
            case "windows":
                guard let items = p.value.sequence else {
                    diagnostics.append(.error("policy.windows: expected a list of allow/deny rules", code: .wrongType, at: p.value.location))
                    continue
                }
                for item in items { if let r = rule(item, diagnostics: &diagnostics) { policy.windows.append(r) } }
            case "changelog":
                guard let file = p.value["file"], let path = file.scalar, !path.isEmpty else {
                    diagnostics.append(.error("policy.changelog: expected {file: CHANGELOG.md, must_mention: \"${var.release}\"}", code: .missingField, at: p.value.location))
                    continue
                }
                for k in p.value.mapping ?? [] where !["file", "must_mention"].contains(k.key.scalar ?? "") {
                    diagnostics.append(.error("unknown key \"\(k.key.scalar ?? "")\" in policy.changelog.\(Suggestion.didYouMean(k.key.scalar ?? "", ["file", "must_mention"]))",
                                              code: .unknownField, at: k.key.location))
                }
                guard let mention = p.value["must_mention"] else {
                    diagnostics.append(.error("policy.changelog: must_mention is required (what the file must mention, e.g. \"${var.release}\")", code: .missingField, at: p.value.location))
                    continue
                }
                policy.changelog = ChangelogRule(file: path, mustMention: Expr.from(mention, diagnostics: &diagnostics), location: mention.location)
            case "exempt":
                guard let items = p.value.sequence else {
                    diagnostics.append(.error("policy.exempt: expected a list such as [rollback]", code: .wrongType, at: p.value.location))
                    continue
                }
                policy.exempt = []
                for item in items {
                    guard let s = item.scalar, exemptions.contains(s) else {
                        diagnostics.append(.error("policy.exempt: \"\(item.scalar ?? "")\" is not an operation that can be exempt; use rollback",
                                                  code: .wrongType, at: item.location))
                        continue
                    }
                    policy.exempt.insert(s)
                }
            default:
                diagnostics.append(.error("unknown key \"\(key)\" in policy.\(Suggestion.didYouMean(key, policyKeys))", code: .unknownField, at: p.key.location))
            }
        }
        return policy
    }

    static func rule(_ node: YAMLNode, diagnostics: inout [Diagnostic]) -> WindowRule? {
        guard let pairs = node.mapping, pairs.count == 1, let effectName = pairs[0].key.scalar,
              let effect = WindowRule.Effect(rawValue: effectName) else {
            diagnostics.append(.error("policy.windows: each rule is `- allow: {...}` or `- deny: {...}`", code: .wrongType, at: node.location))
            return nil
        }
        let body = pairs[0].value
        guard let fields = body.mapping else {
            diagnostics.append(.error("policy.windows: \(effectName) expects {days, hours, time_zone}", code: .wrongType, at: body.location))
            return nil
        }
        var days: Set<Int>?
        var hours: (Int, Int)?
        var zone = TimeZone(identifier: "UTC")!
        var ok = true
        var words: [String] = [effectName]
        for f in fields {
            guard let key = f.key.scalar else { continue }
            switch key {
            case "days":
                let items = f.value.sequence ?? [f.value]
                var set = Set<Int>()
                var names: [String] = []
                for item in items {
                    let name = (item.scalar ?? "").lowercased()
                    let full = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
                    guard let d = dayNames[name] ?? full.firstIndex(of: name).map({ $0 + 1 }) else {
                        diagnostics.append(.error("policy.windows: unknown day \"\(item.scalar ?? "")\".\(Suggestion.didYouMean(name, Array(dayNames.keys)))",
                                                  detail: "Days are mon, tue, wed, thu, fri, sat, sun (or the full names).", code: .wrongType, at: item.location))
                        ok = false
                        continue
                    }
                    set.insert(d)
                    names.append(dayNames.first { $0.value == d }!.key)
                }
                days = set
                words.append(names.joined(separator: ", "))
            case "hours":
                guard let text = f.value.scalar, let range = parseHours(text) else {
                    diagnostics.append(.error("policy.windows: hours must be \"HH:MM-HH:MM\" (24-hour, local time), got \"\(f.value.scalar ?? f.value.kindName)\"",
                                              code: .wrongType, at: f.value.location))
                    ok = false
                    continue
                }
                hours = range
                words.append(text)
            case "time_zone":
                guard let name = f.value.scalar, let tz = TimeZone(identifier: name) else {
                    let name = f.value.scalar ?? ""
                    diagnostics.append(.error("policy.windows: unknown time zone \"\(name)\".\(Suggestion.didYouMean(name, TimeZone.knownTimeZoneIdentifiers))",
                                              detail: "Use an IANA name such as Europe/Berlin, America/New_York or UTC.", code: .wrongType, at: f.value.location))
                    ok = false
                    continue
                }
                zone = tz
                words.append(name)
            default:
                diagnostics.append(.error("unknown key \"\(key)\" in a \(effectName) rule.\(Suggestion.didYouMean(key, ruleKeys))", code: .unknownField, at: f.key.location))
                ok = false
            }
        }
        guard ok else { return nil }
        return WindowRule(effect: effect, days: days, hours: hours.map { (start: $0.0, end: $0.1) }, timeZone: zone, location: node.location,
                          text: words.joined(separator: " "))
    }

    /// `02:00-06:00` → minutes after midnight; `24:00` is allowed as an end.
    static func parseHours(_ text: String) -> (Int, Int)? {
        let parts = text.replacingOccurrences(of: " ", with: "").split(separator: "-")
        guard parts.count == 2 else { return nil }
        func minutes(_ s: Substring, end: Bool) -> Int? {
            let hm = s.split(separator: ":")
            guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<60).contains(m) else { return nil }
            guard h < 24 || (end && h == 24 && m == 0) else { return nil }
            return h * 60 + m
        }
        guard let a = minutes(parts[0], end: false), let b = minutes(parts[1], end: true), a != b else { return nil }
        return (a, b)
    }
}
