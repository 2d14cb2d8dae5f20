import Foundation
import OGFCore
import OGFState

/// One environment on the status page: what runs there now and how its last deploys went.
public struct EnvironmentStatus: Sendable, Equatable {
    public struct Deploy: Sendable, Equatable {
        public var run: Int
        public var operation: String
        public var outcome: String
        public var at: Date
        public var by: String
        public var versions: [String]
    }

    public var name: String
    public var release: String?
    public var releases: [ReleaseRecord]
    public var schemaVersions: [String: String]
    public var deploys: [Deploy]
    /// From the latest run's checks and gates: `5 of 5 checks passed` or what failed.
    public var verification: String
    public var verified: Bool

    /// Reads what the page shows from state (current releases, schema versions, history) and the
    /// latest run's record (its checks).
    public static func from(state: StateFile, latest: DeployRecord?, recent: Int = 5) -> EnvironmentStatus {
        var releases: [ReleaseRecord] = []
        var schemas: [String: String] = [:]
        for a in state.resources.keys.sorted() {
            let r = state.resources[a]!
            if let rel = ReleaseRecord.from(address: a, outputs: r.outputs) { releases.append(rel) }
            if a.kind == "postgres_schema", let v = r.outputs["version"]?.stringValue { schemas[a.description] = v }
        }
        let deploys = state.history.suffix(recent).reversed().map { h in
            Deploy(run: h.id, operation: h.operation, outcome: h.outcome.rawValue, at: h.finishedAt ?? h.startedAt, by: "\(h.user)@\(h.host)",
                   versions: (h.releases ?? []).compactMap(\.version))
        }
        var verification = "no run recorded"
        var verified = false
        if let latest {
            let checks = latest.resources.filter(\.isCheck)
            let failed = checks.filter { $0.outcome != .succeeded }
            verified = failed.isEmpty && latest.succeeded
            verification = failed.isEmpty
                ? "\(checks.count) of \(checks.count) checks passed in run #\(latest.run)"
                : "\(failed.count) of \(checks.count) checks did not pass in run #\(latest.run): " + failed.map(\.address).joined(separator: ", ")
        }
        let label = latest?.release ?? releases.compactMap(\.version).first
        return EnvironmentStatus(name: state.environment, release: label, releases: releases, schemaVersions: schemas, deploys: Array(deploys),
                                 verification: verification, verified: verified)
    }
}

/// The status page: static HTML, one section per environment, rewritten after each apply.
/// No script, system fonts only.
public enum StatusPage {
    public static func render(project: String, environments: [EnvironmentStatus], generatedAt: Date) -> String {
        let e = HTMLText.escape
        var o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        o += "<title>\(e(project)) deploy status</title><style>\(HTMLText.baseStyle)</style></head><body>\n"
        o += "<h1>\(e(project)): deploy status</h1><p>Updated \(ReportText.date(generatedAt)).</p>\n"
        for env in environments.sorted(by: { $0.name < $1.name }) {
            o += "<section class=\"environment\" id=\"env-\(e(env.name))\"><h2>\(e(env.name))</h2>"
            o += "<table><tr><th>Release</th><td class=\"release\">\(e(env.release ?? "—"))</td></tr>"
            o += "<tr><th>Verification</th><td class=\"\(env.verified ? "ok" : "bad")\">\(e(env.verification))</td></tr>"
            for k in env.schemaVersions.keys.sorted() { o += "<tr><th>Schema</th><td><code>\(e(k))</code> version \(e(env.schemaVersions[k]!))</td></tr>" }
            o += "</table>"
            if !env.releases.isEmpty {
                o += "<table class=\"images\"><tr><th>Resource</th><th>Release</th><th>Image</th><th>Reference</th></tr>"
                for rel in env.releases {
                    for img in rel.images.keys.sorted() {
                        o += "<tr><td><code>\(e(rel.address))</code></td><td>\(rel.release) \(e(rel.version ?? ""))</td><td>\(e(img))</td><td><code>\(e(rel.images[img]!))</code></td></tr>"
                    }
                }
                o += "</table>"
            }
            o += "<table class=\"deploys\"><tr><th>Run</th><th>Operation</th><th>Outcome</th><th>Finished</th><th>By</th><th>Versions</th></tr>"
            for d in env.deploys {
                o += "<tr><td>#\(d.run)</td><td>\(e(d.operation))</td><td class=\"\(d.outcome == "succeeded" ? "ok" : "bad")\">\(e(d.outcome))</td>"
                o += "<td>\(ReportText.date(d.at))</td><td>\(e(d.by))</td><td>\(e(d.versions.joined(separator: ", ")))</td></tr>"
            }
            o += "</table></section>\n"
        }
        return o + "</body></html>\n"
    }
}
