import Foundation
import OGFCore
import OGFState
import Testing
@testable import OGFRecords

@Suite struct ReportTests {
    @Test func criticalPathFollowsTheChainThatEndedLast() {
        let r = sampleRecord()
        let critical = Set(r.resources.filter(\.critical).map(\.address))
        #expect(critical == ["gate_secret.app", "postgres_backup.db", "postgres_schema.db", "k8s_manifest.app"])
    }

    @Test func recordCarriesEvidenceWithoutSecrets() throws {
        let r = sampleRecord()
        let backup = try #require(r.resources.first { $0.address == "postgres_backup.db" })
        #expect(backup.evidence["path"] == "backups/db-7.dump")
        #expect(backup.evidence["url"] == "(sensitive)")
        let k8s = try #require(r.resources.first { $0.address == "k8s_manifest.app" })
        #expect(k8s.evidence["manifests"] == nil, "bulky manifests are left out")
        #expect(r.rollback?.triggers.first?.contains("rolled back to release 3") == true)
        #expect(r.releases.first?.version == "v1.4.0")
    }

    @Test func everyFormatIsFreeOfTheCanary() {
        let r = sampleRecord()
        for f in ReportFormat.allCases {
            let text = f.render(r)
            #expect(!text.contains(canary), "\(f) leaks the secret")
            #expect(text.contains("production"))
        }
    }

    @Test func markdownSaysWhatHappened() {
        let md = ReportFormat.md.render(sampleRecord())
        #expect(md.contains("# production: apply failed"))
        #expect(md.contains("| Release | v1.4.1 |"))
        #expect(md.contains("alice@ci-1"))
        #expect(md.contains("**Deploy policy overridden**"))
        #expect(md.contains("`postgres_schema.db`"))
        #expect(md.contains("| `version` | 12 |"))
        #expect(md.contains("| `latency_ms.p99` | 80.5 |"))
        #expect(md.contains("telemetry: slack"))
        #expect(md.contains("registry/api@sha256:"))
    }

    @Test func jsonRoundTrips() throws {
        let r = sampleRecord()
        let data = try DeployRecordJSON.encode(r)
        #expect(try DeployRecordJSON.decode(data) == r)
    }

    @Test func htmlHasOneBarPerResourceAndNoScript() {
        let r = sampleRecord()
        let html = ReportFormat.html.render(r)
        #expect(html.components(separatedBy: "<rect class=\"bar ").count - 1 == r.resources.count)
        #expect(html.contains("bar failed"))
        #expect(html.contains("bar succeeded critical"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("), "nothing fetched")
        #expect(html.contains("hotfix for &lt;incident&gt; &amp; co"), "text is escaped")
        #expect(html.contains("class=\"chart\""), "the samples series is charted")
    }

    @Test func renderingIsDeterministic() {
        #expect(ReportFormat.html.render(sampleRecord()) == ReportFormat.html.render(sampleRecord()))
    }

    @Test func statusPageShowsReleaseDigestsSchemaAndVerification() {
        var state = StateFile(environment: "production")
        state.resources[ResourceAddress(parsing: "postgres_schema.db")!] = ResourceState(
            kind: "postgres_schema", attributes: [:], outputs: ["version": 12], sensitivePaths: [], dependencies: [], appliedAt: t0, ogfVersion: "x", durationMs: 1)
        state.resources[ResourceAddress(parsing: "k8s_manifest.app")!] = ResourceState(
            kind: "k8s_manifest", attributes: [:],
            outputs: ["release": 3, "releases": [["release": 3, "version": "v1.4.0", "images": ["api": "registry/api@sha256:abc"]]]],
            sensitivePaths: [], dependencies: [], appliedAt: t0, ogfVersion: "x", durationMs: 1)
        var h = HistoryEntry(id: 7, operation: "apply", startedAt: t0, finishedAt: t0, outcome: .failed, planHash: "p", user: "alice", host: "ci-1")
        h.releases = [ReleaseRecord(address: "k8s_manifest.app", release: 3, version: "v1.4.0", images: [:])]
        state.history = [h]
        let status = EnvironmentStatus.from(state: state, latest: sampleRecord())
        let html = StatusPage.render(project: "offgridflow", environments: [status], generatedAt: t0)
        #expect(html.contains("registry/api@sha256:abc"))
        #expect(html.contains("version 12"))
        #expect(html.contains("2 of 2 checks passed in run #7"))
        #expect(html.contains("v1.4.1"))
        #expect(!html.lowercased().contains("<script"))
    }
}
