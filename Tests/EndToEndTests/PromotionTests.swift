import Foundation
import Testing

/// The promotion gate through the binary: `prod` promotes `stage`, whose state the tests write
/// (an image digest, a watch verdict, a history with or without a rollback).
@Suite struct PromotionTests {
    nonisolated(unsafe) static let iso = ISO8601DateFormatter()

    func project(promotion: String = "{from: stage, same: [images], verified: true, soak: 1h, max_age: 14d}") throws -> Project {
        let blueprint = """
        variables:
          release: dev
        resources:
          gate_env.runtime:
            names: [APP_ENV]
          image.api:
            repository: 127.0.0.1:9/e2e/api
            tags: ["${var.release}"]
            layers:
              - from: app
                to: /app
            entrypoint: ["/app/run"]
        """
        return try Project([
            "plans/app.yaml": blueprint,
            "app/run": "#!/bin/sh\necho hello\n",
            "environments/stage.yaml": "environment: stage\ninclude: [plans/app.yaml]\nvariables:\n  release: \"1.0\"\nresources: {}\n",
            "environments/prod.yaml": """
            environment: prod
            protected: true
            include: [plans/app.yaml]
            promotion: \(promotion)
            variables:
              release: "1.0"
            resources: {}
            """,
        ])
    }

    /// stage's state: image.api with `digest`, a watch, and history (an apply `releasedHoursAgo`,
    /// optionally a rollback after it).
    func writeStage(_ p: Project, digest: String, releasedHoursAgo: Double = 3, watchVerified: Bool? = true, rollback: Bool = false,
                    environment: String = "stage", lineage: String = "stage-lineage-1") throws {
        let now = Date()
        func t(_ h: Double) -> String { Self.iso.string(from: now.addingTimeInterval(-h * 3600)) }
        func resource(_ kind: String, _ outputs: String, at: String) -> String {
            """
            {"kind": "\(kind)", "attributes": {}, "outputs": \(outputs), "sensitive_paths": [], "dependencies": [],
             "applied_at": "\(at)", "ogf_version": "0.1.0", "duration_ms": 5, "status": "ready"}
            """
        }
        var resources = ["\"image.api\": " + resource("image", "{\"digest\": \"\(digest)\"}", at: t(releasedHoursAgo + 0.05))]
        if let v = watchVerified {
            resources.append("\"watch.release\": " + resource("watch", "{\"verified\": \(v)}", at: t(releasedHoursAgo - 0.5)))
        }
        func entry(_ id: Int, _ op: String, _ start: Double, _ end: Double) -> String {
            """
            {"id": \(id), "operation": "\(op)", "started_at": "\(t(start))", "finished_at": "\(t(end))", "outcome": "succeeded",
             "plan_hash": "h\(id)", "user": "ci", "host": "runner", "ogf_version": "0.1.0", "succeeded": 3, "failed": [], "skipped": 0}
            """
        }
        var history = [entry(1, "apply", releasedHoursAgo + 0.1, releasedHoursAgo)]
        if rollback { history.append(entry(2, "rollback --to 0.9", 0.5, 0.4)) }
        try p.write("state/stage.json", """
        {"format_version": 1, "lineage": "\(lineage)", "serial": 3, "environment": "\(environment)", "ogf_version": "0.1.0",
         "secret_salt": "00112233445566778899aabbccddeeff", "resources": {\(resources.joined(separator: ",\n"))},
         "history": [\(history.joined(separator: ",\n"))]}
        """)
    }

    /// The digest prod's plan would deploy, read from the plan's JSON (printed before the gate refuses).
    func plannedDigest(_ p: Project) async throws -> String {
        try writeStage(p, digest: "sha256:0000")
        let r = try await p.run("plan", "prod", "--json", env: ["APP_ENV": "e2e"])
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let changes = json?["resource_changes"] as? [[String: Any]] ?? []
        let image = changes.first { $0["address"] as? String == "image.api" }
        return try #require((image?["planned_outputs"] as? [String: Any])?["digest"] as? String, "\(r.all)")
    }

    @Test func planSaysStageWasNeverDeployed() async throws {
        let p = try project()
        let r = try await p.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(r.code == 1)
        #expect(r.out.isEmpty, "\(r.out)")
        #expect(r.err.contains("✗ stage has never been deployed (it has no state): nothing to promote"), "\(r.all)")
        #expect(r.err.contains("error: prod cannot be promoted from stage: 1 check failed"), "\(r.err)")
        #expect(r.err.contains("To fix: deploy this release to stage first (ogf apply stage), then plan again."), "\(r.err)")
    }

    @Test func theSameVerifiedDigestPassesAndADifferentOneBlocks() async throws {
        let p = try project()
        let digest = try await plannedDigest(p)
        let differs = try await p.run("plan", "prod", "-out", "p.out", env: ["APP_ENV": "e2e"])
        #expect(differs.code == 1)
        #expect(differs.out.contains("✗ image.api \(digest.prefix(19))… differs from stage's sha256:0000"), "\(differs.all)")
        #expect(p.read("p.out") == nil, "a blocked plan is not saved")

        try writeStage(p, digest: digest)
        let ok = try await p.run("plan", "prod", "-out", "p.out", env: ["APP_ENV": "e2e"])
        #expect(ok.code == 0, "\(ok.all)")
        #expect(ok.out.hasPrefix("Promotion from stage (release #1):\n"), "\(ok.out)")
        #expect(ok.out.contains("✓ image.api \(digest.prefix(19))… verified in stage 3h"), "\(ok.out)")
        #expect(ok.out.contains("✓ watch.release verified release #1 in stage"))
        #expect(ok.out.contains("✓ soaked 3h"))
        #expect(ok.out.contains(" in stage (soak 1h)"))
        let md = try await p.run("show", "p.out", "--markdown")
        #expect(md.out.contains("**Promotion from `stage` (release #1): passed.**"), "\(md.out)")

        // Rolled back in stage after the plan was saved: the apply checks again and refuses.
        try writeStage(p, digest: digest, rollback: true)
        let apply = try await p.run("apply", "p.out", env: ["APP_ENV": "e2e"])
        #expect(apply.code == 1)
        #expect(apply.out.contains("✗ stage release #1 (3h ago) was rolled back by #2 (rollback --to 0.9)"), "\(apply.all)")
        #expect(!FileManager.default.fileExists(atPath: p.root + "/state/prod.json") || !(p.read("state/prod.json") ?? "").contains("image.api"), "nothing applied")
    }

    @Test func aStageStateReplacedSinceThePlanIsRefusedAtApply() async throws {
        let p = try project()
        let digest = try await plannedDigest(p)
        try writeStage(p, digest: digest)
        let plan = try await p.run("plan", "prod", "-out", "p.out", env: ["APP_ENV": "e2e"])
        #expect(plan.code == 0, "\(plan.all)")
        try writeStage(p, digest: digest, lineage: "stage-lineage-2")
        let apply = try await p.run("apply", "p.out", env: ["APP_ENV": "e2e"])
        #expect(apply.code == 1)
        #expect(apply.out.contains("✗ the state of stage was replaced since this plan was made (lineage stage-lineage-1 → stage-lineage-2)"), "\(apply.all)")
        #expect(apply.err.contains("To fix: plan again: ogf plan prod -out p.out"), "\(apply.err)")
    }

    @Test func verificationSoakAndAgeAreChecked() async throws {
        let p = try project()
        try writeStage(p, digest: "sha256:1", watchVerified: false)
        let unverified = try await p.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(unverified.code == 1)
        #expect(unverified.err.contains("✗ watch.release did not verify release #1 in stage (verified: false)"), "\(unverified.all)")

        try writeStage(p, digest: "sha256:1", watchVerified: nil)
        let noWatch = try await p.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(noWatch.err.contains("✗ stage has no watch: declare one or set verified: false"), "\(noWatch.all)")

        try writeStage(p, digest: "sha256:1", releasedHoursAgo: 0.25)
        let young = try await p.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(young.err.contains("✗ in stage for 15m"), "\(young.all)")
        #expect(young.err.contains(" only, soak is 1h: promotable from "), "\(young.all)")

        try writeStage(p, digest: "sha256:1", releasedHoursAgo: 24 * 20)
        let old = try await p.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(old.err.contains("older than max_age 14d"), "\(old.all)")
    }

    @Test func badConfigurationAndStateAreErrorsAtTheirPlace() async throws {
        let p = try project(promotion: "{from: stagin, same: [images, digests], soak: soon}")
        let r = try await p.run("validate", "prod")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/prod.yaml:4:"), "\(r.err)")
        #expect(r.err.contains("promotion.from: no environment \"stagin\""), "\(r.err)")
        #expect(r.err.contains("promotion.same: unknown \"digests\""), "\(r.err)")
        #expect(r.err.contains("promotion.soak: \"soon\" is not a duration"), "\(r.err)")

        let p2 = try project()
        try p2.write("state/stage.json", "{not json")
        let unreadable = try await p2.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(unreadable.code == 1)
        #expect(unreadable.err.contains("environments/prod.yaml:4:"), "\(unreadable.err)")
        #expect(unreadable.err.contains("promotion.from: the state of stage cannot be read"), "\(unreadable.err)")

        try writeStage(p2, digest: "sha256:1", environment: "qa")
        let other = try await p2.run("plan", "prod", env: ["APP_ENV": "e2e"])
        #expect(other.err.contains("✗ the state read for stage belongs to environment qa"), "\(other.all)")
    }

    @Test func rollbacksAndUnpromotedEnvironmentsAreNotGated() async throws {
        let p = try project()
        // stage itself has no promotion: it plans whatever the state of others.
        let r = try await p.run("plan", "stage", env: ["APP_ENV": "e2e"])
        #expect(r.code == 0, "\(r.all)")
        #expect(!r.out.contains("Promotion from"))
    }
}
