import Foundation
import OGFCore
import OGFState
@testable import OGFRecords

/// A secret value that must appear in no report, page, payload or log (canary tests).
let canary = "canary-s3cr3t-9f1e2d"

func tempDir() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-records-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

let t0 = Date(timeIntervalSince1970: 1_764_480_000)

/// A run of five resources: a gate and a check, a backup, a migration and a rollout that failed.
func sampleRecord(redact: Bool = true) -> DeployRecord {
    func a(_ s: String) -> ResourceAddress { ResourceAddress(parsing: s)! }
    let steps: [DeployRecordBuilder.Step] = [
        .init(address: a("gate_secret.app"), action: "check", outcome: .succeeded, start: 0, duration: 0.1, message: nil, summary: "2 secrets present",
              dependsOn: [], changes: []),
        .init(address: a("postgres_backup.db"), action: "create", outcome: .succeeded, start: 0.1, duration: 2.0, message: nil, summary: nil,
              dependsOn: [a("gate_secret.app")], changes: ["url: (sensitive) → (sensitive)"]),
        .init(address: a("postgres_schema.db"), action: "update", outcome: .succeeded, start: 2.1, duration: 1.0, message: nil, summary: "2 migrations",
              dependsOn: [a("postgres_backup.db")], changes: ["migrations: \"a\" → \"b\""]),
        .init(address: a("check_http.api"), action: "check", outcome: .succeeded, start: 0.1, duration: 0.5, message: nil, summary: nil,
              dependsOn: [a("gate_secret.app")], changes: []),
        .init(address: a("k8s_manifest.app"), action: "update", outcome: .failed, start: 3.1, duration: 1.5,
              message: "rollout failed; token \(canary) rejected", summary: nil, dependsOn: [a("postgres_schema.db")], changes: []),
        .init(address: a("exec.smoke"), action: "run", outcome: .skipped, start: nil, duration: nil, message: "skipped: depends on k8s_manifest.app",
              summary: nil, dependsOn: [a("k8s_manifest.app")], changes: []),
    ]
    var history = HistoryEntry(id: 7, operation: "apply", startedAt: t0, finishedAt: t0.addingTimeInterval(4.7), outcome: .failed, planHash: "abc123def4567890ffff",
                               user: "alice", host: "ci-1", succeeded: 4, failed: ["k8s_manifest.app"], skipped: 1)
    history.releases = [ReleaseRecord(address: "k8s_manifest.app", release: 3, version: "v1.4.0", images: ["api": "registry/api@sha256:" + String(repeating: "a", count: 64)])]
    let outputs: [ResourceAddress: [String: Value]] = [
        a("postgres_backup.db"): ["path": "backups/db-7.dump", "sha256": .string(String(repeating: "b", count: 64)), "url": .redacted("hmac-sha256:xyz")],
        a("postgres_schema.db"): ["version": 12, "previous_version": 10, "applied": ["0011_add", "0012_index"]],
        a("check_http.api"): ["latency_ms": ["p50": 12.5, "p99": 80.5], "samples": [10, 12, 14, 11, 80], "body": .string("hello \(canary)")],
        a("k8s_manifest.app"): ["failed_release": 4, "rolled_back_to": 3, "manifests": ["Deployment/api": "{...}"]],
    ]
    let mask: @Sendable (String) -> String = { $0.replacingOccurrences(of: canary, with: "****") }
    let none: @Sendable (String) -> String = { $0 }
    let builder = DeployRecordBuilder(redact: redact ? mask : none)
    return builder.build(history: history, environment: "production", release: "v1.4.1", planSummary: "Plan: 1 to add, 2 to change, 0 to destroy, 2 checks.",
                         steps: steps, outputs: outputs, rollbackTo: nil,
                         policyOverride: OverrideRecord(reason: "hotfix for <incident> & co", user: "alice", host: "ci-1", at: t0, blocked: "Friday"),
                         warnings: ["telemetry: slack: webhook: HTTP 500 rollup_error"])
}
