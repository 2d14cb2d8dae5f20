import Testing
@testable import OGFConfig
import OGFCore

@Suite struct ConfigLoaderTests {
    @Test func theIssueExampleLoads() throws {
        let (config, diags) = load([
            "environments/test.yaml": """
            environment: test
            protected: true
            env_file: .env.test
            include:
              - plans/app.yaml
            variables:
              replicas: 3
            resources:
              gate_secret.app:
                names: [JWT_SECRET, ENCRYPTION_KEY]
                min_length: 32
            """,
            ".env.test": "API_HOST=api.example\n",
            "plans/app.yaml": """
            variables:
              api_host: example.com
            resources:
              exec.integration_tests:
                command: ["make", "integration-test"]
                always: true
              check_http.api_health:
                url: "https://${var.api_host}/health"
                expect_status: 200
                depends_on: [exec.integration_tests]
            """,
        ])
        #expect(!diags.hasErrors, "\(diags)")
        let c = try #require(config)
        #expect(c.isProtected)
        #expect(c.resources.count == 3)
        #expect(c.envFileValues["API_HOST"] == "api.example")
        #expect(c.inputFiles == ["environments/test.yaml", ".env.test", "plans/app.yaml"])
        let health = try #require(c.resources[ResourceAddress(kind: "check_http", name: "api_health")])
        #expect(health.dependencies == [ResourceAddress(kind: "exec", name: "integration_tests")])
    }

    @Test func everyErrorIsReportedTogetherWithExactPositions() {
        let (_, diags) = load([
            "environments/test.yaml": """
            environment: test
            protectd: true
            resources:
              exec.a:
                comand: ["true"]
              exec.b:
                command: "not a list"
              check_http.c:
                url: "http://${var.missing}/"
                expect_status: 200
              gate_env.d:
                names: [A]
                depends_on: [exec.nope]
              exec.e:
                command: ["echo", "${exec.zz.exit_code}"]
              webhook.f:
                url: x
            """,
        ])
        #expect(lines(diags) == [
            "environments/test.yaml:2:1: error: unknown key \"protectd\" in environment file. Did you mean \"protected\"?",
            "environments/test.yaml:4:3: error: exec.a: missing required field \"command\"",
            "environments/test.yaml:5:5: error: unknown field \"comand\" for exec. Did you mean \"command\"?",
            "environments/test.yaml:7:14: error: command: expected list of string, got string",
            "environments/test.yaml:9:18: error: unknown variable \"missing\".",
            "environments/test.yaml:13:18: error: depends_on: undeclared resource exec.nope. Did you mean \"exec.e\"?",
            "environments/test.yaml:15:24: error: reference to undeclared resource exec.zz. Did you mean \"exec.a\"?",
            "environments/test.yaml:16:3: error: unknown resource kind \"webhook\".",
        ])
    }

    @Test func wrongTypesInNestedValues() {
        let (_, diags) = load([
            "environments/test.yaml": """
            resources:
              gate_secret.s:
                names: [A]
                min_length: long
              check_tcp.t:
                host: db
                port: [1]
                timeout: soon
            """,
        ])
        #expect(lines(diags) == [
            "environments/test.yaml:4:17: error: min_length: expected integer, got string",
            "environments/test.yaml:7:11: error: port: expected integer, got a list",
            "environments/test.yaml:8:14: error: timeout: expected a duration such as 30s, 2m or 500ms, got \"soon\"",
        ])
    }

    @Test func variableTypesAreCheckedThroughReferences() {
        let (_, diags) = load([
            "environments/test.yaml": """
            variables:
              port: eighty
            resources:
              check_tcp.t:
                host: db
                port: "${var.port}"
            """,
        ])
        #expect(lines(diags) == ["environments/test.yaml:6:11: error: port: expected integer, got string (from var.port)"])
    }

    @Test func duplicateResourceAcrossIncludes() {
        let (_, diags) = load([
            "environments/test.yaml": "include: [plans/a.yaml]\nresources:\n  exec.x:\n    command: [\"true\"]\n",
            "plans/a.yaml": "resources:\n  exec.x:\n    command: [\"false\"]\n",
        ])
        #expect(lines(diags) == ["environments/test.yaml:3:3: error: resource exec.x is defined twice"])
        #expect(diags.items[0].detail?.contains("plans/a.yaml:2:3") == true)
    }

    @Test func duplicateYAMLKey() {
        let (_, diags) = load([
            "environments/test.yaml": "resources:\n  exec.x:\n    command: [\"true\"]\n    command: [\"false\"]\n",
        ])
        #expect(lines(diags) == ["environments/test.yaml:4:5: error: duplicate key \"command\""])
    }

    @Test func invalidYAMLAndUnreadableInclude() {
        let (_, d1) = load(["environments/test.yaml": "resources:\n  exec.x: [\n"])
        #expect(d1.items.count == 1)
        #expect(d1.items[0].summary.hasPrefix("invalid YAML"))
        #expect(d1.items[0].location?.file == "environments/test.yaml")

        let (_, d2) = load(["environments/test.yaml": "include:\n  - plans/missing.yaml\n"])
        #expect(lines(d2) == ["environments/test.yaml:2:5: error: cannot read plans/missing.yaml: it does not exist"])
    }

    @Test func includeCycle() {
        let (_, diags) = load([
            "environments/test.yaml": "include: [plans/a.yaml]\n",
            "plans/a.yaml": "include: [plans/b.yaml]\n",
            "plans/b.yaml": "include: [plans/a.yaml]\n",
        ])
        #expect(lines(diags) == ["plans/b.yaml:1:11: error: include cycle: environments/test.yaml → plans/a.yaml → plans/b.yaml → plans/a.yaml"])
    }

    @Test func missingEnvironmentListsTheOnesThatExist() {
        let (config, diags) = load(["environments/production.yaml": "resources: {}\n"], env: "prodution")
        #expect(config == nil)
        #expect(diags.items[0].summary == "no environment \"prodution\": environments/prodution.yaml does not exist")
        #expect(diags.items[0].detail?.contains("Did you mean \"production\"?") == true)
    }

    @Test func environmentNameMustMatch() {
        let (_, diags) = load(["environments/test.yaml": "environment: staging\n"])
        #expect(lines(diags) == ["environments/test.yaml:1:14: error: environment: is \"staging\" but the file is environments/test.yaml"])
    }

    @Test func malformedTemplateIsLocated() {
        let (_, diags) = load(["environments/test.yaml": "resources:\n  exec.x:\n    command: [\"echo ${var.x\"]\n"])
        #expect(lines(diags) == ["environments/test.yaml:3:21: error: unterminated \"${\": add the closing \"}\""])
    }

    @Test func unknownOutputOfAKnownKind() {
        let (_, diags) = load([
            "environments/test.yaml": "resources:\n  exec.a:\n    command: [\"true\"]\n  exec.b:\n    command: [\"echo\", \"${exec.a.exitcode}\"]\n",
        ])
        #expect(lines(diags) == ["environments/test.yaml:5:24: error: exec has no output \"exitcode\". Did you mean \"exit_code\"?"])
    }
}

@Suite struct DotEnvTests {
    @Test func parsesTheUsualForms() {
        let (v, d) = DotEnv.parse("""
        # comment
        A=1
        export B = two words
        C='single $literal'
        D="line\\nbreak \\"q\\""
        E=value # trailing comment
        F="multi
        line"

        """, file: ".env")
        #expect(d.isEmpty)
        #expect(v == ["A": "1", "B": "two words", "C": "single $literal", "D": "line\nbreak \"q\"", "E": "value", "F": "multi\nline"])
    }

    @Test func errorsHaveLines() {
        let (_, d) = DotEnv.parse("A=1\nnot a pair\n", file: ".env")
        #expect(d.map(\.description) == [".env:2:1: error: expected KEY=VALUE in env file"])
    }
}

@Suite struct EvaluatorTests {
    @Test func secretsStaySensitiveThroughInterpolation() {
        let e = Evaluator(variables: ["host": "db"], environment: ["PW": "hunter2"])
        var d: [Diagnostic] = []
        let expr = Expr(.template(try! Template.parse("postgres://app:${secret.PW}@${var.host}/x").get()), at: SourceLocation(file: "f", line: 1, column: 1))
        let v = e.evaluate(expr, diagnostics: &d)
        #expect(d.isEmpty)
        #expect(v == .sensitive(.string("postgres://app:hunter2@db/x")))
        #expect(v.description == "(sensitive)")
    }

    @Test func missingEnvironmentVariableIsAnErrorWithAHint() {
        let e = Evaluator(variables: [:], environment: [:], envFile: ".env.production")
        var d: [Diagnostic] = []
        let expr = Expr(.template(try! Template.parse("${env.DATABASE_URL}").get()), at: SourceLocation(file: "f", line: 3, column: 10))
        _ = e.evaluate(expr, diagnostics: &d)
        #expect(d.map(\.description) == ["f:3:10: error: environment variable DATABASE_URL is not set\n  Set it in the process environment or in .env.production."])
    }

    @Test func unknownOutputsMakeUnknownValues() {
        let e = Evaluator(variables: [:], environment: [:]) { _ in nil }
        var d: [Diagnostic] = []
        let expr = Expr(.template(try! Template.parse("sha=${image.api.digest}").get()), at: SourceLocation(file: "f", line: 1, column: 1))
        #expect(e.evaluate(expr, diagnostics: &d) == .unknown)
    }

    @Test func variableCycles() {
        var d: [Diagnostic] = []
        let loc = SourceLocation(file: "f", line: 1, column: 1)
        func v(_ s: String) -> VariableConfig {
            VariableConfig(name: s, expr: Expr(.template(try! Template.parse("${var.\(s == "a" ? "b" : "a")}").get()), at: loc), location: loc)
        }
        _ = Evaluator.resolveVariables(["a": v("a"), "b": v("b")], environment: [:], envFile: nil, diagnostics: &d)
        #expect(d.contains { $0.summary.hasPrefix("variable cycle: a → b → a") })
    }

    @Test func policyErrorsAreAtTheirPositions() {
        let (c, d) = load(["environments/p.yaml": """
        policy:
          windows:
            - deny: {days: [fri, caturday]}
            - allow: {hours: "2-6", time_zone: Europe/Berln}
            - allow: {hours: "22:00-02:00", time_zone: UTC}
          exempt: [rollback]
          changelog: {file: CHANGELOG.md, must_mention: "${var.release}"}
        variables:
          release: "1.0"
        resources: {}
        """], env: "p")
        let texts = d.items.map(\.description)
        #expect(texts.contains { $0.hasPrefix("environments/p.yaml:3:26: error: policy.windows: unknown day \"caturday\".") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("environments/p.yaml:4:22: error: policy.windows: hours must be \"HH:MM-HH:MM\"") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("environments/p.yaml:4:40: error: policy.windows: unknown time zone \"Europe/Berln\". Did you mean \"Europe/Berlin\"?") }, "\(texts)")
        #expect(d.items.allSatisfy { $0.code != nil }, "every policy error has a code")
        #expect(c?.policy?.windows.count == 1, "the valid rule is kept")
        #expect(c?.policy?.windows.first?.text == "allow 22:00-02:00 UTC")
        #expect(c?.policy?.changelog?.file == "CHANGELOG.md")
    }
}
