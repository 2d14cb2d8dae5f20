import Foundation
import OGFCore
import Testing
@testable import OGFPlan

/// Compares with Tests/OGFPlanTests/Golden/NAME; OGF_UPDATE_GOLDEN=1 rewrites the file.
func golden(_ name: String, _ actual: String, sourceFile: String = #filePath) throws {
    let url = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["OGF_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(actual == expected, "golden \(name) differs; rerun with OGF_UPDATE_GOLDEN=1 and review the diff")
}

func samplePlan() -> Plan {
    func ch(_ addr: String, _ role: ResourceRole, _ action: Action, before: [String: Value]?, after: [String: Value]?, reasons: [String] = [],
            replace: [String] = [], details: [String] = []) -> ResourceChange {
        ResourceChange(address: ResourceAddress(parsing: addr)!, role: role, action: action, reasons: reasons, before: before, after: after,
                       replacePaths: replace, plannedOutputs: [:], dependencies: [], details: details)
    }
    return Plan(environment: "production", isProtected: true, createdAt: Date(timeIntervalSince1970: 1_800_000_000), stateLineage: "lin",
                stateSerial: 7, inputDigest: "abc", targets: [], refresh: true, changes: [
                    ch("exec.build", .managed, .replace, before: ["command": ["make", "build"], "triggers": ["release": "1.0"]],
                       after: ["command": ["make", "build"], "triggers": ["release": "1.1"]], reasons: ["triggers changed"], replace: ["triggers"]),
                    ch("exec.new", .managed, .create, before: nil, after: ["command": ["echo", .unknown], "token": .redacted("hmac-sha256:00")]),
                    ch("exec.old", .managed, .delete, before: ["command": ["true"]], after: nil, reasons: ["no longer in the configuration"]),
                    ch("exec.smoke", .managed, .run, before: ["command": ["./smoke.sh"], "always": true], after: ["command": ["./smoke.sh"], "always": true],
                       reasons: ["always: true"]),
                    ch("exec.same", .managed, .noop, before: ["command": ["true"]], after: ["command": ["true"]]),
                    ch("exec.tune", .managed, .update, before: ["command": ["x"], "timeout": "5m"], after: ["command": ["x"], "timeout": "10m"]),
                    ch("gate_secret.app", .gate, .check, before: nil, after: ["names": ["JWT_SECRET"], "min_length": 32],
                       details: ["JWT_SECRET changed since the last apply"]),
                ], warnings: [.warning("gate_env.runtime will fail: LOG_LEVEL is not set")])
}

@Suite struct RenderTests {
    @Test func text() throws {
        try golden("plan.txt", TextRenderer().render(samplePlan()))
    }

    @Test func textNeverColorsWhenAskedNotTo() {
        #expect(!TextRenderer(style: TextStyle(color: false)).render(samplePlan()).contains("\u{1B}["))
        #expect(TextRenderer(style: TextStyle(color: true)).render(samplePlan()).contains("\u{1B}["))
    }

    @Test func markdown() throws {
        try golden("plan.md", MarkdownRenderer().render(samplePlan(), planFile: "plan.out"))
    }

    @Test func json() throws {
        let text = JSONRenderer().render(samplePlan())
        try golden("plan.json", text)
        let obj = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        #expect(obj["format_version"] == "1.0")
        #expect(obj["summary"]?["add"] == 2)
        #expect(obj["resource_changes"]?.listValue?[1]["after_unknown"] == ["command[1]"])
        #expect(obj["resource_changes"]?.listValue?[1]["after_sensitive"] == ["token"])
    }

    @Test func noChanges() {
        let p = Plan(environment: "local", isProtected: false, createdAt: Date(), stateLineage: "l", stateSerial: 1, inputDigest: "d",
                     targets: [], refresh: true, changes: [], warnings: [])
        #expect(TextRenderer().render(p) == "No changes. The deployment of local matches its configuration.\n")
    }

    @Test func markdownStaysUnderTheLimitAndSaysHowToSeeTheRest() {
        var changes: [ResourceChange] = []
        for i in 0..<2000 {
            changes.append(ResourceChange(address: ResourceAddress(kind: "exec", name: "job\(i)"), role: .managed, action: .create, reasons: [],
                                          before: nil, after: ["command": .list((0..<10).map { .string("argument-\($0)-of-job-\(i)") })],
                                          replacePaths: [], plannedOutputs: [:], dependencies: [], details: []))
        }
        let p = Plan(environment: "big", isProtected: false, createdAt: Date(), stateLineage: "l", stateSerial: 1, inputDigest: "d",
                     targets: [], refresh: true, changes: changes, warnings: [])
        let md = MarkdownRenderer().render(p, planFile: "big.out")
        #expect(md.count < 60_000)
        #expect(md.hasPrefix("### ogf plan: `big`\n\n**Plan: 2000 to add"))
        #expect(md.contains("Run `ogf show big.out` to see the whole plan."))
    }
}
