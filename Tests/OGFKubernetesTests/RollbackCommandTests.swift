import Foundation
import OGFCore
import OGFTestSupport
import Testing

/// `ogf apply` and `ogf rollback` as a user runs them: the built binary against the emulator.
@Suite(.tags(.medium))
struct RollbackCommandTests {
    let emu: Emulator
    let root: String
    static let ogf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/ogf").path

    init() async throws {
        emu = try await Emulator()
        root = emu.dir + "/project"
        for d in ["environments", "plans/k8s", "plans/migrations", "state"] {
            try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        try (namespace("shop") + "---\n" + deployment("api")).write(toFile: root + "/plans/k8s/api.yaml", atomically: true, encoding: .utf8)
        try "CREATE TABLE a (id int);\n".write(toFile: root + "/plans/migrations/0001_init.up.sql", atomically: true, encoding: .utf8)
        try "-- ogf:breaking\nALTER TABLE a DROP COLUMN id;\n".write(toFile: root + "/plans/migrations/0002_drop.up.sql", atomically: true, encoding: .utf8)
    }

    func environment(release: String, schema: Int, policy: String = "") throws {
        try """
        environment: dev
        \(policy)
        resources:
          k8s_manifest.api:
            kubeconfig: \(emu.kubeconfig)
            files: [plans/k8s/api.yaml]
            namespace: shop
            version: "\(release)"
            schema_version: \(schema)
            values: {image: "registry.local/api:\(release)"}
            timeout: 20s
        """.write(toFile: root + "/environments/dev.yaml", atomically: true, encoding: .utf8)
    }

    @discardableResult
    func ogf(_ args: String...) async throws -> (Int32, String) {
        let r = try await Child.run(Self.ogf, args + ["-C", root], output: .merged)
        return (r.code, r.outText)
    }

    func image() async throws -> String {
        try await emu.kubectl("-n", "shop", "get", "deployment", "api", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    }

    /// Records a postgres_schema resource at `version` in state, as its apply would have.
    func recordSchema(version: Int) throws {
        let path = root + "/state/dev.json"
        var state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var resources = state["resources"] as! [String: Any]
        resources["postgres_schema.app"] = [
            "kind": "postgres_schema", "attributes": ["migrations": "plans/migrations"], "outputs": ["version": version],
            "sensitive_paths": [String](), "dependencies": [String](), "applied_at": "2026-11-27T00:00:00Z", "ogf_version": "0.1.0", "status": "ok",
        ] as [String: Any]
        state["resources"] = resources
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))
    }

    @Test func rollsBackToARecordedVersion() async throws {
        try environment(release: "v1", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        try environment(release: "v2", schema: 1)
        let (code, out) = try await ogf("apply", "dev", "-auto-approve")
        #expect(code == 0, "\(out)")
        #expect(try await image() == "registry.local/api:v2")
        // The release log: each apply's history entry names the release it made.
        let (_, released) = try await ogf("state", "show", "dev")
        #expect(released.contains("released k8s_manifest.") && released.contains("#2 (v2)") && released.contains("#1 (v1)"), "\(released)")

        let (missing, text) = try await ogf("rollback", "dev", "--to", "v9", "--auto-approve")
        #expect(missing != 0)
        #expect(text.contains("no release v9") && text.contains("v1, v2"), "\(text)")

        let (rc, rolled) = try await ogf("rollback", "dev", "--to", "v1", "--auto-approve")
        #expect(rc == 0, "\(rolled)")
        #expect(rolled.contains("\"registry.local/api:v2\"") && rolled.contains("\"registry.local/api:v1\""))
        #expect(try await image() == "registry.local/api:v1")
        let (_, show) = try await ogf("state", "show", "dev")
        #expect(show.contains("rollback --to v1"), "\(show)")
    }

    @Test func refusesToCrossABreakingMigration() async throws {
        try environment(release: "v1", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        try environment(release: "v2", schema: 2)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        try recordSchema(version: 2)

        let (rc, out) = try await ogf("rollback", "dev", "--to", "v1", "--auto-approve")
        #expect(rc != 0)
        #expect(out.contains("refusing to roll back to v1 across a breaking migration") && out.contains("0002_drop.up.sql"), "\(out)")
        #expect(try await image() == "registry.local/api:v2")

        let (forced, text) = try await ogf("rollback", "dev", "--to", "v1", "--auto-approve", "--force")
        #expect(forced == 0, "\(text)")
        #expect(try await image() == "registry.local/api:v1")
    }

    @Test func aRollbackIsAPlanToSaveShowAndApply() async throws {
        try environment(release: "v1", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        try environment(release: "v2", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)

        let (saved, text) = try await ogf("rollback", "dev", "--to", "v1", "-out", "rb.out")
        #expect(saved == 0, "\(text)")
        #expect(text.contains("ogf will roll dev back to release v1:"), "\(text)")
        #expect(text.contains("rollback: release 2 → 1 (v1)"), "\(text)")
        #expect(text.contains("Plan: 0 to add, 1 to change, 0 to destroy"), "\(text)")
        #expect(try await image() == "registry.local/api:v2", "saving a rollback plan changes nothing")

        let (_, json) = try await ogf("show", "rb.out", "--json")
        #expect(json.contains("\"mode\" : \"rollback\"") || json.contains("\"mode\": \"rollback\""), "\(json)")
        let (_, md) = try await ogf("show", "rb.out", "--markdown")
        #expect(md.contains("### ogf rollback --to v1: `dev`"), "\(md)")

        let (applied, out) = try await ogf("apply", "rb.out")
        #expect(applied == 0, "\(out)")
        #expect(out.contains("k8s_manifest.api: updated after"), "\(out)")
        #expect(out.contains("Rollback to v1 complete: 1 succeeded."), "\(out)")
        #expect(try await image() == "registry.local/api:v1")
        let (_, show) = try await ogf("state", "show", "dev")
        #expect(show.contains("rollback --to v1  succeeded"), "\(show)")

        // The same saved plan cannot be applied twice: the state moved on.
        let (again, stale) = try await ogf("apply", "rb.out")
        #expect(again != 0)
        #expect(stale.contains("the saved plan is stale"), "\(stale)")
    }

    /// A rollback takes a bad release back at any hour: closed deploy windows do not block it.
    @Test func rollbacksAreExemptFromDeployWindows() async throws {
        try environment(release: "v1", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        try environment(release: "v2", schema: 1)
        #expect(try await ogf("apply", "dev", "-auto-approve").0 == 0)
        let closed = "policy:\n  windows:\n    - deny: {days: [mon, tue, wed, thu, fri, sat, sun]}"
        try environment(release: "v2", schema: 1, policy: closed)
        let (planned, text) = try await ogf("plan", "dev")
        #expect(planned != 0 && text.contains("dev may not be deployed now"), "\(text)")
        let (rolled, out) = try await ogf("rollback", "dev", "--to", "v1", "--auto-approve")
        #expect(rolled == 0, "\(out)")
        #expect(try await image() == "registry.local/api:v1")
    }
}
