import Foundation
import OGFConfig
import OGFCore

/// What the promotion gate reads of the `from` environment: its state's resources and history.
/// Built by the command layer from whatever state backend holds it; the gate itself reads nothing.
public struct PromotionSource: Sendable {
    /// One recorded operation of the `from` environment (an entry of its state history).
    public struct Operation: Sendable {
        public var id: Int
        /// `apply`, `rollback --to v1`.
        public var name: String
        public var startedAt: Date
        public var finishedAt: Date?
        public var succeeded: Bool

        public init(id: Int, name: String, startedAt: Date, finishedAt: Date?, succeeded: Bool) {
            self.id = id
            self.name = name
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.succeeded = succeeded
        }

        public var isRollback: Bool { name.hasPrefix("rollback") }
    }

    public var environment: String
    public var lineage: String
    public var resources: [ResourceAddress: ResourceState]
    public var history: [Operation]

    public init(environment: String, lineage: String, resources: [ResourceAddress: ResourceState], history: [Operation]) {
        self.environment = environment
        self.lineage = lineage
        self.resources = resources
        self.history = history
    }
}

/// The promotion gate's verdict, line by line, as the plan shows it and the plan file keeps it.
public struct PromotionReport: Sendable, Codable, Equatable {
    public struct Line: Sendable, Codable, Equatable {
        /// What the line is about: `release`, `soak`, `image.api`, `migration 0007_x.up.sql`.
        public var subject: String
        /// The whole line without its mark: `image.api sha256:ab12… verified in staging 3h ago`.
        public var text: String
        public var ok: Bool

        public init(subject: String, text: String, ok: Bool) {
            self.subject = subject
            self.text = text
            self.ok = ok
        }
    }

    public var from: String
    /// The lineage of the `from` state read; an apply refuses a plan whose `from` state was replaced since.
    public var fromLineage: String?
    /// The history id of the release compared with.
    public var releaseID: Int?
    public var lines: [Line]
    /// How to get past a failure: `deploy this release to staging first: ogf apply staging`.
    public var fix: String?
    public var evaluatedAt: Date

    public var passed: Bool { lines.allSatisfy(\.ok) }
    public var failures: [Line] { lines.filter { !$0.ok } }

    enum CodingKeys: String, CodingKey {
        case from, fromLineage = "from_lineage", releaseID = "release_id", lines, fix, evaluatedAt = "evaluated_at"
    }
}

/// Whether a plan may promote the last release of another environment: a pure function of the
/// plan's changes (their planned outputs), the other environment's state (or nil when it has
/// none) and the time. Image digests come from `image.*` outputs (`digest`); migrations from
/// `postgres_schema.*` outputs (`migrations`: file name → checksum, and `version`); verification
/// from `watch.*` resources (`status` ready and output `verified` true, recorded during or after
/// the release).
public enum PromotionGate {
    public static func evaluate(_ rule: PromotionConfig, changes: [ResourceChange], source: PromotionSource?, now: Date) -> PromotionReport {
        let from = rule.from
        var report = PromotionReport(from: from, fromLineage: source?.lineage, releaseID: nil, lines: [], fix: nil, evaluatedAt: now)
        let deployFirst = "deploy this release to \(from) first (ogf apply \(from)), then plan again"
        guard let source else {
            report.lines = [.init(subject: "release", text: "\(from) has never been deployed (it has no state): nothing to promote", ok: false)]
            report.fix = deployFirst
            return report
        }
        guard source.environment == from else {
            report.lines = [.init(subject: "release", text: "the state read for \(from) belongs to environment \(source.environment) (lineage \(source.lineage))", ok: false)]
            report.fix = "restore \(from)'s own state, or fix promotion.from"
            return report
        }
        // The last successful apply; a rollback after it means the release was taken back.
        guard let release = source.history.last(where: { !$0.isRollback && $0.succeeded && $0.finishedAt != nil }),
              let released = release.finishedAt else {
            let tried = source.history.last
            let what = tried.map { " (its last operation, #\($0.id) \($0.name), \($0.succeeded ? "is still running or never finished" : "did not succeed"))" } ?? ""
            report.lines = [.init(subject: "release", text: "\(from) has no successful release\(what): nothing to promote", ok: false)]
            report.fix = deployFirst
            return report
        }
        report.releaseID = release.id
        let later = source.history.filter { $0.id > release.id }
        if let rollback = later.first(where: \.isRollback) {
            report.lines.append(.init(subject: "release", text: "\(from) release #\(release.id) (\(ago(released, now)) ago) was rolled back by #\(rollback.id) (\(rollback.name))", ok: false))
            report.fix = "fix the release and " + deployFirst
            return report
        }
        report.lines.append(.init(subject: "release", text: "\(from) release #\(release.id) (\(release.name)) finished \(ago(released, now)) ago", ok: true))

        let age = now.timeIntervalSince(released)
        if rule.soak > 0 {
            let ok = age >= rule.soak
            let text = ok ? "soaked \(ago(released, now)) in \(from) (soak \(span(rule.soak)))"
                          : "in \(from) for \(ago(released, now)) only, soak is \(span(rule.soak)): promotable from \(iso(released.addingTimeInterval(rule.soak)))"
            report.lines.append(.init(subject: "soak", text: text, ok: ok))
        }
        if let maxAge = rule.maxAge {
            let ok = age <= maxAge
            let text = ok ? "released \(ago(released, now)) ago (max_age \(span(maxAge)))"
                          : "released \(ago(released, now)) ago, older than max_age \(span(maxAge)): deploy a fresh release to \(from)"
            report.lines.append(.init(subject: "max_age", text: text, ok: ok))
        }
        if rule.verified {
            report.lines += verification(source, release: release, now: now)
        }
        // A resource written after the release by an operation that did not succeed no longer
        // shows what was released.
        func changedAfter(_ r: ResourceState) -> PromotionSource.Operation? {
            guard r.appliedAt > released else { return nil }
            return later.first { $0.startedAt <= r.appliedAt } ?? later.first
        }
        if rule.same.contains(.images) {
            report.lines += images(changes, source, changedAfter: changedAfter, now: now)
        }
        if rule.same.contains(.migrations) {
            report.lines += migrations(changes, source, changedAfter: changedAfter, now: now)
        }
        if !report.passed {
            report.fix = deployFirst
        }
        return report
    }

    static func verification(_ source: PromotionSource, release: PromotionSource.Operation, now: Date) -> [PromotionReport.Line] {
        let from = source.environment
        let watches = source.resources.filter { $0.key.kind == "watch" }.sorted { $0.key < $1.key }
        guard !watches.isEmpty else {
            return [.init(subject: "verified", text: "\(from) has no watch: declare one or set verified: false", ok: false)]
        }
        return watches.map { address, r in
            if r.status != .ready {
                return .init(subject: "\(address)", text: "\(address) in \(from) is \(r.status.rawValue), not verified", ok: false)
            }
            guard case .bool(true)? = r.outputs["verified"]?.unmarked else {
                return .init(subject: "\(address)", text: "\(address) did not verify release #\(release.id) in \(from) (verified: \(r.outputs["verified"]?.description ?? "not recorded"))", ok: false)
            }
            guard r.appliedAt >= release.startedAt else {
                return .init(subject: "\(address)", text: "\(address) last verified \(from) \(ago(r.appliedAt, now)) ago, before release #\(release.id)", ok: false)
            }
            return .init(subject: "\(address)", text: "\(address) verified release #\(release.id) in \(from) \(ago(r.appliedAt, now)) ago", ok: true)
        }
    }

    static func images(_ changes: [ResourceChange], _ source: PromotionSource, changedAfter: (ResourceState) -> PromotionSource.Operation?,
                       now: Date) -> [PromotionReport.Line] {
        let from = source.environment
        return changes.filter { $0.address.kind == "image" && $0.action != .delete }.map { c in
            let subject = "\(c.address)"
            guard let digest = c.plannedOutputs["digest"]?.unmarked.stringValue, c.plannedOutputs["digest"]?.isKnown == true else {
                return .init(subject: subject, text: "\(c.address) digest is known only after apply: it cannot be compared with \(from)", ok: false)
            }
            guard let theirs = source.resources[c.address] else {
                return .init(subject: subject, text: "\(c.address) \(short(digest)) is not in \(from)", ok: false)
            }
            let theirDigest = theirs.outputs["digest"]?.unmarked.stringValue ?? "nothing"
            guard theirDigest == digest else {
                return .init(subject: subject, text: "\(c.address) \(short(digest)) differs from \(from)'s \(short(theirDigest))", ok: false)
            }
            if theirs.status != .ready {
                return .init(subject: subject, text: "\(c.address) \(short(digest)) is \(theirs.status.rawValue) in \(from)", ok: false)
            }
            if let op = changedAfter(theirs) {
                return .init(subject: subject, text: "\(c.address) \(short(digest)) was written in \(from) after its release, by #\(op.id) (\(op.name))", ok: false)
            }
            return .init(subject: subject, text: "\(c.address) \(short(digest)) verified in \(from) \(ago(theirs.appliedAt, now)) ago", ok: true)
        }
    }

    static func migrations(_ changes: [ResourceChange], _ source: PromotionSource, changedAfter: (ResourceState) -> PromotionSource.Operation?,
                           now: Date) -> [PromotionReport.Line] {
        let from = source.environment
        var lines: [PromotionReport.Line] = []
        for c in changes where c.address.kind == "postgres_schema" && c.action != .delete {
            let subject = "\(c.address)"
            guard let value = c.plannedOutputs["migrations"], value.isKnown, case .map(let ours) = value.unmarked else {
                lines.append(.init(subject: subject, text: "\(c.address): its migrations are known only after apply: they cannot be compared with \(from)", ok: false))
                continue
            }
            guard let theirState = source.resources[c.address] else {
                lines.append(.init(subject: subject, text: "\(c.address) is not in \(from): none of its \(ours.count) migrations ran there", ok: false))
                continue
            }
            guard case .map(let theirs)? = theirState.outputs["migrations"]?.unmarked else {
                lines.append(.init(subject: subject, text: "\(c.address) in \(from) records no migration checksums (applied by an older ogf): apply \(from) again", ok: false))
                continue
            }
            var bad: [PromotionReport.Line] = []
            for name in ours.keys.sorted() {
                let sum = ours[name]?.stringValue ?? ""
                guard let other = theirs[name]?.stringValue else {
                    bad.append(.init(subject: "migration \(name)", text: "migration \(name) not applied in \(from)", ok: false))
                    continue
                }
                if other != sum {
                    bad.append(.init(subject: "migration \(name)", text: "migration \(name) differs from \(from) (checksum \(sum.prefix(12))… here, \(other.prefix(12))… there)", ok: false))
                }
            }
            for name in theirs.keys.sorted() where ours[name] == nil {
                bad.append(.init(subject: "migration \(name)", text: "migration \(name) ran in \(from) but is not in this release", ok: false))
            }
            let version = c.plannedOutputs["version"]?.intValue
            let theirVersion = theirState.outputs["version"]?.intValue
            if bad.isEmpty, version != theirVersion {
                bad.append(.init(subject: subject, text: "\(c.address) version \(version.map(String.init) ?? "unknown") here, \(theirVersion.map(String.init) ?? "unknown") in \(from)", ok: false))
            }
            if bad.isEmpty, theirState.status != .ready {
                bad.append(.init(subject: subject, text: "\(c.address) is \(theirState.status.rawValue) in \(from)", ok: false))
            }
            if bad.isEmpty, let op = changedAfter(theirState) {
                bad.append(.init(subject: subject, text: "\(c.address) was migrated in \(from) after its release, by #\(op.id) (\(op.name))", ok: false))
            }
            if bad.isEmpty {
                let n = ours.count
                lines.append(.init(subject: subject, text: "\(c.address) version \(version.map(String.init) ?? "0"): \(n) migration\(n == 1 ? "" : "s") applied in \(from) with the same checksums \(ago(theirState.appliedAt, now)) ago", ok: true))
            }
            lines += bad
        }
        return lines
    }

    /// `sha256:ab12cd34ef56…`.
    static func short(_ digest: String) -> String {
        digest.count > 19 ? String(digest.prefix(19)) + "…" : digest
    }

    /// `3h`, `2d 4h`, `45s`: the largest whole unit and the next one when it is not zero.
    public static func ago(_ t: Date, _ now: Date) -> String { span(now.timeIntervalSince(t)) }

    /// `1h`, `14d`, `2h 30m`: a duration as `ago` writes it.
    public static func span(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        let units = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        guard let i = units.firstIndex(where: { s >= $0.1 }) else { return "0s" }
        var text = "\(s / units[i].1)\(units[i].0)"
        if i + 1 < units.count {
            let next = (s % units[i].1) / units[i + 1].1
            if next > 0 { text += " \(next)\(units[i + 1].0)" }
        }
        return text
    }

    static func iso(_ t: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: t)
    }
}
