import Foundation
import OGFConfig
import OGFCore
import Testing
@testable import OGFPlan

/// The promotion gate as a pure function: production's planned outputs against staging's state
/// and history, at a chosen instant.
@Suite struct PromotionGateTests {
    let here = SourceLocation(file: "environments/production.yaml", line: 8, column: 9)
    let now = ISO8601DateFormatter().date(from: "2026-11-30T12:00:00Z")!
    let api = ResourceAddress(kind: "image", name: "api")
    let schema = ResourceAddress(kind: "postgres_schema", name: "main")
    let watch = ResourceAddress(kind: "watch", name: "release")
    let digest = "sha256:ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
    let files: [String: Value] = ["0001_init.up.sql": .string("1111aaaa1111aaaa"), "0002_readings.up.sql": .string("2222bbbb2222bbbb")]

    func rule(same: [PromotionConfig.Aspect] = [.images, .migrations], verified: Bool = true, soak: Double = 3600, maxAge: Double? = 14 * 86400) -> PromotionConfig {
        PromotionConfig(from: "staging", fromLocation: here, same: same, verified: verified, soak: soak, maxAge: maxAge, location: here)
    }

    func hoursAgo(_ h: Double) -> Date { now.addingTimeInterval(-h * 3600) }

    func change(_ a: ResourceAddress, _ outputs: [String: Value], action: Action = .update) -> ResourceChange {
        ResourceChange(address: a, role: .managed, action: action, reasons: [], before: nil, after: [:], replacePaths: [], plannedOutputs: outputs,
                       dependencies: [], details: [])
    }

    func resource(_ kind: String, _ outputs: [String: Value], at: Date, status: ResourceStatus = .ready) -> ResourceState {
        ResourceState(kind: kind, attributes: [:], outputs: outputs, sensitivePaths: [], dependencies: [], appliedAt: at, ogfVersion: "0.1.0", durationMs: 1, status: status)
    }

    /// Production's plan: the same image and migrations as staging's release.
    func plan(digest d: String? = nil, migrations m: [String: Value]? = nil, version: Int = 2) -> [ResourceChange] {
        [change(api, ["digest": .string(d ?? digest)]),
         change(schema, ["version": .int(version), "migrations": .map(m ?? files)])]
    }

    /// Staging released 3h ago (apply #2, 3h10m → 3h ago), watch verified 2h ago.
    func staging(history: [PromotionSource.Operation]? = nil, resources extra: [ResourceAddress: ResourceState] = [:],
                 watchOutputs: [String: Value] = ["verified": .bool(true)], watchAt: Double = 2, withWatch: Bool = true) -> PromotionSource {
        var res: [ResourceAddress: ResourceState] = [
            api: resource("image", ["digest": .string(digest)], at: hoursAgo(3.1)),
            schema: resource("postgres_schema", ["version": .int(2), "migrations": .map(files)], at: hoursAgo(3.1)),
        ]
        if withWatch { res[watch] = resource("watch", watchOutputs, at: hoursAgo(watchAt)) }
        for (k, v) in extra { res[k] = v }
        let h = history ?? [
            .init(id: 1, name: "apply", startedAt: hoursAgo(30), finishedAt: hoursAgo(29.9), succeeded: true),
            .init(id: 2, name: "apply", startedAt: hoursAgo(3.2), finishedAt: hoursAgo(3), succeeded: true),
        ]
        return PromotionSource(environment: "staging", lineage: "lin-1", resources: res, history: h)
    }

    @Test func passesWithTheSameDigestsAndMigrations() {
        let r = PromotionGate.evaluate(rule(), changes: plan(), source: staging(), now: now)
        #expect(r.passed, "\(r.lines)")
        #expect(r.releaseID == 2)
        #expect(r.lines.map(\.subject) == ["release", "soak", "max_age", "watch.release", "image.api", "postgres_schema.main"])
        #expect(r.lines.first { $0.subject == "image.api" }?.text == "image.api sha256:ab12cd34ef56… verified in staging 3h 6m ago")
        #expect(r.lines.last?.text.contains("2 migrations applied in staging with the same checksums") == true)
        let text = TextRenderer().renderPromotion(r)
        #expect(text.contains("✓ image.api sha256:ab12cd34ef56… verified in staging"))
        #expect(!text.contains("✗"))
    }

    @Test func aDifferentDigestBlocks() {
        let r = PromotionGate.evaluate(rule(), changes: plan(digest: "sha256:ffff0000ffff0000ffff"), source: staging(), now: now)
        #expect(!r.passed)
        #expect(r.failures.map(\.text) == ["image.api sha256:ffff0000ffff… differs from staging's sha256:ab12cd34ef56…"])
        #expect(r.fix == "deploy this release to staging first (ogf apply staging), then plan again")
    }

    @Test func anExtraMigrationBlocks() {
        var m = files
        m["0003_x.up.sql"] = .string("3333cccc")
        let r = PromotionGate.evaluate(rule(), changes: plan(migrations: m, version: 3), source: staging(), now: now)
        #expect(r.failures.map(\.text) == ["migration 0003_x.up.sql not applied in staging"])
        #expect(TextRenderer().renderPromotion(r).contains("✗ migration 0003_x.up.sql not applied in staging"))
    }

    @Test func anEditedMigrationBlocks() {
        var m = files
        m["0002_readings.up.sql"] = .string("9999eeee9999eeee")
        let r = PromotionGate.evaluate(rule(), changes: plan(migrations: m), source: staging(), now: now)
        #expect(r.failures.map(\.subject) == ["migration 0002_readings.up.sql"])
        #expect(r.failures.first?.text.contains("differs from staging (checksum 9999eeee9999… here, 2222bbbb2222… there)") == true)
    }

    @Test func aMigrationOnlyInStagingBlocks() {
        let r = PromotionGate.evaluate(rule(), changes: plan(migrations: ["0001_init.up.sql": files["0001_init.up.sql"]!], version: 1), source: staging(), now: now)
        #expect(r.failures.map(\.text) == ["migration 0002_readings.up.sql ran in staging but is not in this release"])
    }

    @Test func aRolledBackReleaseBlocks() {
        let h: [PromotionSource.Operation] = [
            .init(id: 1, name: "apply", startedAt: hoursAgo(30), finishedAt: hoursAgo(29.9), succeeded: true),
            .init(id: 2, name: "apply", startedAt: hoursAgo(3.2), finishedAt: hoursAgo(3), succeeded: true),
            .init(id: 3, name: "rollback --to v1", startedAt: hoursAgo(1), finishedAt: hoursAgo(0.9), succeeded: true),
        ]
        let r = PromotionGate.evaluate(rule(), changes: plan(), source: staging(history: h), now: now)
        #expect(!r.passed)
        #expect(r.failures.map(\.text) == ["staging release #2 (3h ago) was rolled back by #3 (rollback --to v1)"])
    }

    @Test func anUnverifiedReleaseBlocks() {
        let notVerified = PromotionGate.evaluate(rule(), changes: plan(), source: staging(watchOutputs: ["verified": .bool(false)]), now: now)
        #expect(notVerified.failures.map(\.subject) == ["watch.release"])
        #expect(notVerified.failures.first?.text.hasPrefix("watch.release did not verify release #2 in staging") == true)
        // A watch recorded before the release verified the previous one.
        let stale = PromotionGate.evaluate(rule(), changes: plan(), source: staging(watchAt: 5), now: now)
        #expect(stale.failures.map(\.text) == ["watch.release last verified staging 5h ago, before release #2"])
        let tainted = staging(resources: [watch: resource("watch", ["verified": .bool(true)], at: hoursAgo(1), status: .tainted)])
        #expect(PromotionGate.evaluate(rule(), changes: plan(), source: tainted, now: now).failures.map(\.text) == ["watch.release in staging is tainted, not verified"])
        let none = PromotionGate.evaluate(rule(), changes: plan(), source: staging(withWatch: false), now: now)
        #expect(none.failures.map(\.text) == ["staging has no watch: declare one or set verified: false"])
        #expect(PromotionGate.evaluate(rule(verified: false), changes: plan(), source: staging(withWatch: false), now: now).passed)
    }

    @Test func tooShortASoakBlocks() {
        let r = PromotionGate.evaluate(rule(soak: 4 * 3600), changes: plan(), source: staging(), now: now)
        #expect(r.failures.map(\.subject) == ["soak"])
        #expect(r.failures.first?.text == "in staging for 3h only, soak is 4h: promotable from 2026-11-30T13:00:00Z")
    }

    @Test func tooOldAReleaseBlocks() {
        let r = PromotionGate.evaluate(rule(maxAge: 2 * 3600), changes: plan(), source: staging(), now: now)
        #expect(r.failures.map(\.subject) == ["max_age"])
        #expect(r.failures.first?.text.contains("older than max_age 2h") == true)
    }

    @Test func neverDeployedOrNoSuccessfulRelease() {
        let none = PromotionGate.evaluate(rule(), changes: plan(), source: nil, now: now)
        #expect(none.failures.map(\.text) == ["staging has never been deployed (it has no state): nothing to promote"])
        let failed = staging(history: [.init(id: 1, name: "apply", startedAt: hoursAgo(2), finishedAt: hoursAgo(1.9), succeeded: false)])
        #expect(PromotionGate.evaluate(rule(), changes: plan(), source: failed, now: now).failures.first?.text
                == "staging has no successful release (its last operation, #1 apply, did not succeed): nothing to promote")
        let other = PromotionSource(environment: "qa", lineage: "x", resources: [:], history: [])
        #expect(PromotionGate.evaluate(rule(), changes: plan(), source: other, now: now).failures.first?.text.hasPrefix("the state read for staging belongs to environment qa") == true)
    }

    @Test func aResourceWrittenAfterTheReleaseByAFailedApplyBlocks() {
        let h: [PromotionSource.Operation] = [
            .init(id: 2, name: "apply", startedAt: hoursAgo(3.2), finishedAt: hoursAgo(3), succeeded: true),
            .init(id: 3, name: "apply", startedAt: hoursAgo(1), finishedAt: hoursAgo(0.9), succeeded: false),
        ]
        let s = staging(history: h, resources: [api: resource("image", ["digest": .string(digest)], at: hoursAgo(0.95))])
        let r = PromotionGate.evaluate(rule(), changes: plan(), source: s, now: now)
        #expect(r.failures.map(\.text) == ["image.api sha256:ab12cd34ef56… was written in staging after its release, by #3 (apply)"])
    }

    @Test func unknownDigestsCannotBeCompared() {
        let r = PromotionGate.evaluate(rule(same: [.images]), changes: [change(api, ["digest": .unknown])], source: staging(), now: now)
        #expect(r.failures.map(\.text) == ["image.api digest is known only after apply: it cannot be compared with staging"])
    }

    @Test func renderersShowTheGate() {
        var m = files
        m["0003_x.up.sql"] = .string("3333cccc")
        var p = Plan(environment: "production", isProtected: true, createdAt: now, stateLineage: "l", stateSerial: 1, inputDigest: "d", targets: [],
                     refresh: true, changes: plan(migrations: m, version: 3), warnings: [])
        p.promotion = PromotionGate.evaluate(rule(), changes: p.changes, source: staging(), now: now)
        let md = MarkdownRenderer().render(p)
        #expect(md.contains("**Promotion from `staging` (release #2): blocked.**"))
        #expect(md.contains("- ✗ migration 0003\\_x.up.sql not applied in staging") || md.contains("- ✗ migration 0003_x.up.sql not applied in staging"))
        let json = JSONRenderer().render(p)
        #expect(json.contains("\"passed\":false") || json.contains("\"passed\": false"))
        #expect(json.contains("not applied in staging"))
        let text = TextRenderer().render(p)
        #expect(text.hasPrefix("Promotion from staging (release #2):\n"))
        #expect(text.contains("Blocked: deploy this release to staging first (ogf apply staging), then plan again."))
    }

    @Test func agoIsShort() {
        #expect(PromotionGate.ago(now.addingTimeInterval(-45), now) == "45s")
        #expect(PromotionGate.ago(now.addingTimeInterval(-3 * 3600), now) == "3h")
        #expect(PromotionGate.ago(now.addingTimeInterval(-(2 * 86400 + 4 * 3600 + 60)), now) == "2d 4h")
    }
}
