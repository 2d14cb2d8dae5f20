import Foundation
import Testing

/// `notify:` is checked when the configuration loads, before any secret is needed; and
/// `ogf audit list` shows a line it cannot read instead of dropping it.
@Suite struct NotifyValidateTests {
    func project(_ notify: String) throws -> Project {
        try Project([
            "environments/n.yaml": """
            environment: n
            notify:
            \(notify)
            resources:
              exec.a: {command: ["true"]}
            """,
        ])
    }

    @Test func aMistypedSinkFailsValidateAndPlanAtItsPosition() async throws {
        let cases: [(String, String)] = [
            ("  slack: {webhook: \"${secret.SLACK}\", on: [sometimes]}", "notify.slack.on: unknown event \"sometimes\""),
            ("  grafana: {token: \"${secret.GRAFANA}\"}", "notify.grafana.url: required"),
            ("  email: {smtp: \"smtp://127.0.0.1:25\", from: a@example.com, to: []}", "notify.email.to: expected at least one address"),
            ("  timeout: fast\n  pushgateway: {url: \"http://127.0.0.1:9091\"}", "notify.timeout: expected a duration such as 5s"),
            ("  otlp: {endpoint: \"http://127.0.0.1:4318\", colour: blue}", "notify.otlp.colour: unknown key"),
        ]
        for (notify, message) in cases {
            let p = try project(notify)
            for command in [["validate", "n"], ["plan", "n"]] {
                let r = try await p.run(command)
                #expect(r.code == 1, "\(command) with \(notify)\n\(r.all)")
                #expect(r.err.contains(message), "\(r.all)")
                #expect(r.err.contains("environments/n.yaml:3:"), "the position of notify:\n\(r.all)")
            }
        }
    }

    @Test func secretsThatAreNotSetYetDoNotFailValidation() async throws {
        let p = try project("""
              slack: {webhook: "${secret.SLACK_WEBHOOK_URL}", on: [failed]}
              email: {smtp: "${secret.SMTP_URL}", from: ogf@example.com, to: ["${env.ONCALL}"], password: "${secret.SMTP_PASSWORD}"}
              grafana: {url: "${env.GRAFANA_URL}", token: "${secret.GRAFANA_TOKEN}"}
            """)
        let r = try await p.run("validate", "n")
        #expect(r.code == 0, "\(r.all)")
    }

    @Test func auditListShowsAnUnreadableLineAndWarns() async throws {
        let p = try project("  pushgateway: {url: \"http://127.0.0.1:9\"}")
        #expect(try await p.run("plan", "n", "-out", "plan.out").code == 0)
        let path = p.root + "/state/n.audit.jsonl"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try (text + "not json at all\n").write(toFile: path, atomically: true, encoding: .utf8)
        let list = try await p.run("audit", "list", "n")
        #expect(list.code == 0, "\(list.all)")
        #expect(list.out.contains("#1  "), "\(list.all)")
        #expect(list.out.contains("#2  (unreadable: not a valid audit entry)"), "\(list.all)")
        #expect(list.err.contains("1 entry is not a valid audit entry"), "\(list.all)")
        #expect(try await p.run("audit", "verify", "n").code == 1)
    }
}
