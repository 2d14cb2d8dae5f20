import Foundation
import Testing

/// `ogf checklist`: only pre-flight gates and checks with a checklist name run, in the mission's
/// YAML shape, with exit 1 on a failure, nothing else run and no state written.
@Suite struct ChecklistTests {
    static let env = """
    environment: pre
    env_file: environments/pre.env
    resources:
      gate_env.runtime:                  # no checklist name: not on the checklist
        names: [APP_ENV]
      gate_secret.app:
        names: [JWT_SECRET]
        checklist_name: jwt_secret_present
      check_tcp.db:
        host: 127.0.0.1
        port: 9
        timeout: 1s
        checklist_name: database_connection
      exec.migrate:                      # a step: never runs in the checklist
        command: [sh, -c, "touch ran-migrate"]
      check_tcp.after_migrate:           # depends on a step: not pre-flight
        host: 127.0.0.1
        port: 9
        checklist_name: after_migrate
        depends_on: [exec.migrate]
    """

    @Test func writesTheMissionsShapeAndFailsWhenACheckFails() async throws {
        let p = try Project(["environments/pre.yaml": Self.env, "environments/pre.env": "APP_ENV=pre\nJWT_SECRET=ogf-e2e-jwt-secret-0123456789abcdef0123\n"])
        let r = try await p.run("checklist", "pre")
        #expect(r.code == 1, "\(r.all)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 9, "\(r.out)")
        #expect(lines[0] == "environment: \"pre\"")
        #expect(lines[1].range(of: #"^timestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$"#, options: .regularExpression) != nil, "\(lines[1])")
        #expect(Array(lines[2...4]) == ["checks:", "  - name: \"database_connection\"", "    status: failed"])
        #expect(lines[5].hasPrefix("    detail: \"") && lines[5].contains("127.0.0.1:9"), "\(lines[5])")
        #expect(Array(lines[6...8]) == ["  - name: \"jwt_secret_present\"", "    status: passed", "    detail: \"1 secret present\""])
        #expect(!r.out.contains("ogf-e2e-jwt-secret"))
        #expect(p.read("ran-migrate") == nil)
        #expect(!FileManager.default.fileExists(atPath: p.root + "/state/pre.json"))
    }

    @Test func writesAFileAndExitsZeroWhenAllPass() async throws {
        let env = Self.env.replacingOccurrences(of: "    checklist_name: database_connection\n", with: "")
        let p = try Project(["environments/pre.yaml": env, "environments/pre.env": "APP_ENV=pre\nJWT_SECRET=ogf-e2e-jwt-secret-0123456789abcdef0123\n"])
        let r = try await p.run("checklist", "pre", "-o", "out/checklist.yaml")
        #expect(r.code == 0, "\(r.all)")
        #expect(r.out.contains("jwt_secret_present  passed  1 secret present"), "\(r.out)")
        #expect(r.out.contains("1 check, 0 failed"), "\(r.out)")
        let file = try #require(p.read("out/checklist.yaml"))
        #expect(file.hasPrefix("environment: \"pre\"\ntimestamp: \""))
        #expect(file.hasSuffix("checks:\n  - name: \"jwt_secret_present\"\n    status: passed\n    detail: \"1 secret present\"\n"))
    }

    @Test func aBadChecklistNameIsAnErrorAtItsPosition() async throws {
        let p = try Project(["environments/pre.yaml": "resources:\n  gate_env.e:\n    names: [HOME]\n    checklist_name: \"two words\"\n"])
        let r = try await p.run("validate", "pre")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/pre.yaml:4:21: error: checklist_name: expected a name such as jwt_secret_present"), "\(r.err)")
    }
}

/// A refused credential stops what depends on it, and its message holds no secret.
@Suite struct CredentialGateApplyTests {
    @Test func aTestKeyWhereLiveKeysAreRequiredFailsAndNothingAfterItRuns() async throws {
        let p = try Project([
            "environments/pay.yaml": """
            environment: pay
            env_file: environments/pay.env
            resources:
              gate_stripe.payments:
                secret_key: "${secret.STRIPE_SECRET_KEY}"
                live: true
                api_base: http://127.0.0.1:9
              exec.rollout:
                command: [sh, -c, "touch rolled-out"]
                depends_on: [gate_stripe.payments]
            """,
            "environments/pay.env": "STRIPE_SECRET_KEY=sk_test_ogfe2esecret0123456789\n",
        ])
        let plan = try await p.run("plan", "pay")
        #expect(plan.out.contains("(sensitive)"), "\(plan.all)")
        #expect(!plan.all.contains("sk_test_ogfe2esecret"))
        let r = try await p.run("apply", "pay", "--auto-approve")
        #expect(r.code == 1, "\(r.all)")
        #expect(r.all.contains("secret_key is a test key, and pay needs a live key (live: true)"), "\(r.all)")
        #expect(!r.all.contains("sk_test_ogfe2esecret"))
        #expect(p.read("rolled-out") == nil)
        let state = try #require(p.read("state/pay.json"))
        #expect(!state.contains("sk_test_ogfe2esecret"))
    }
}

/// `ogf validate` reports a cloud gate's impossible values at their position, without a network.
@Suite struct CloudGateValidateTests {
    @Test func aRegionOrIdThatCannotBeOneIsAnErrorAtItsPosition() async throws {
        let p = try Project(["environments/v.yaml": """
        resources:
          gate_aws.main:
            region: eu-centrall
          gate_azure.main:
            tenant_id: 11111111-2222-3333-4444-555555555555
            client_id: my-app
            client_secret: "${secret.AZURE_CLIENT_SECRET}"
        """])
        let r = try await p.run("validate", "v")
        #expect(r.code == 1, "\(r.all)")
        #expect(r.err.contains("environments/v.yaml:3:13: error: gate_aws.main.region: \"eu-centrall\" is not an AWS region"), "\(r.err)")
        #expect(r.err.contains("environments/v.yaml:6:16: error: gate_azure.main.client_id: \"my-app\" is not an application (client) id"), "\(r.err)")
    }
}
