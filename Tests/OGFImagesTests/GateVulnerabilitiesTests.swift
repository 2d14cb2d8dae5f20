import Foundation
import OGFCore
@testable import OGFImages
import Testing

@Suite(.tags(.small))
struct GateVulnerabilitiesTests {
    let digest = "sha256:" + String(repeating: "a", count: 64)
    let other = "sha256:" + String(repeating: "b", count: 64)

    func trivy(_ d: String, _ vulns: [(String, String)]) -> String {
        let v = vulns.map { #"{"VulnerabilityID":"\#($0.0)","PkgName":"openssl","Severity":"\#($0.1)"}"# }.joined(separator: ",")
        return #"{"SchemaVersion":2,"ArtifactName":"r/api@\#(d)","Metadata":{"RepoDigests":["r/api@\#(d)"]},"Results":[{"Target":"x","Vulnerabilities":[\#(v)]}]}"#
    }

    func gate(_ s: Sandbox, _ extra: [String: Value]) async throws -> ApplyResponse {
        var c: [String: Value] = ["images": [.string("127.0.0.1:15000/x/api@\(digest)")], "reports": "scans"]
        for (k, v) in extra { c[k] = v }
        var d = Driver(GateVulnerabilitiesKind(now: { ISO8601DateFormatter().date(from: "2026-11-27T12:00:00Z")! }), s, c)
        return try await d.apply(.check)
    }

    @Test func reportForAnotherDigestDoesNotCount() async throws {
        let s = try Sandbox()
        try s.write("scans/api.json", trivy(other, []))
        do {
            _ = try await gate(s, [:])
            Issue.record("passed with a report for another digest")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("no report for"), "\(f.message)")
            #expect(f.message.contains("made for other digests"))
        }
    }

    @Test func criticalFailsAllowlistPassesExpiredFails() async throws {
        let s = try Sandbox()
        try s.write("scans/api.json", trivy(digest, [("CVE-2026-0001", "CRITICAL"), ("CVE-2026-0002", "HIGH")]))
        await #expect(throws: ResourceFailure.self) { _ = try await gate(s, [:]) }
        let ok = try await gate(s, ["allowlist": [["id": "CVE-2026-0001", "reason": "not reachable", "expires": "2026-12-31"]]])
        #expect(ok.outputs["allowlisted"] == .int(1))
        do {
            _ = try await gate(s, ["allowlist": [["id": "CVE-2026-0001", "reason": "not reachable", "expires": "2026-11-01"]]])
            Issue.record("an expired allowlist entry passed")
        } catch let f as ResourceFailure {
            #expect(f.message.contains("allowlist entry CVE-2026-0001 expired on 2026-11-01"), "\(f.message)")
        }
        // fail_on: high catches the HIGH one too.
        await #expect(throws: ResourceFailure.self) {
            _ = try await gate(s, ["fail_on": "high", "allowlist": [["id": "CVE-2026-0001", "reason": "r", "expires": "2027-01-01"]]])
        }
    }

    @Test func grypeAndSarifReports() throws {
        let grype = #"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"Critical"},"artifact":{"name":"zlib"}}],"source":{"type":"image","target":{"manifestDigest":"\#(digest)"}}}"#
        let g = try VulnerabilityReport.parse(Data(grype.utf8), source: "g")
        #expect(g.digests == [digest] && g.findings.first?.severity == .critical)
        let sarif = #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[{"id":"CVE-2","properties":{"security-severity":"9.8"}}]}},"results":[{"ruleId":"CVE-2","level":"error"}],"properties":{"imageID":"\#(digest)"}}]}"#
        let r = try VulnerabilityReport.parse(Data(sarif.utf8), source: "s")
        #expect(r.digests == [digest] && r.findings.first?.severity == .critical)
    }
}
