import Foundation
import OGFConfig
import OGFCore
import OGFCatalogue
import Testing
@testable import OGFPlan

let hasher = SecretHasher(salt: Array("fixed-test-salt!".utf8))

func config(_ yaml: String, env: [String: String] = [:]) throws -> EnvironmentConfig {
    let files = ["/p/environments/test.yaml": yaml]
    let (c, d) = ConfigLoader(root: "/p", reader: MemoryFileReader(files), registry: KindCatalogue.registry()).load(environment: "test")
    try d.throwIfErrors()
    return try #require(c)
}

func makePlan(_ c: EnvironmentConfig, state: [ResourceAddress: ResourceState] = [:], env: [String: String] = [:],
              targets: [ResourceAddress] = [], mode: Planner.Mode = .fresh) async -> (Plan?, Diagnostics) {
    let ctx = KindContext(environment: "test", isProtected: false, projectRoot: "/p", variables: env)
    let planner = Planner(config: c, registry: KindCatalogue.registry(), prior: PriorState(lineage: "lin", serial: 4, hasher: hasher, resources: state),
                          environment: env, context: ctx, targets: targets)
    return await planner.plan(mode: mode, now: Date(timeIntervalSince1970: 1_800_000_000))
}

/// The state an apply of `plan` would record for its managed resources.
func applied(_ plan: Plan, outputs: [String: Value] = ["exit_code": 0, "output_tail": ""]) -> [ResourceAddress: ResourceState] {
    var s: [ResourceAddress: ResourceState] = [:]
    for c in plan.changes where c.role == .managed && c.action != .delete {
        // What apply records: the values resolved, here with every unknown output being 0.
        let attrs = (c.after ?? [:]).mapValues { v -> Value in
            if case .list(let xs) = v { return .list(xs.map { $0 == .unknown ? .int(0) : $0 }) }
            return v
        }
        s[c.address] = ResourceState(kind: c.address.kind, attributes: attrs, outputs: outputs, sensitivePaths: [],
                                     dependencies: c.dependencies, appliedAt: Date(timeIntervalSince1970: 0), ogfVersion: "t", durationMs: 1)
    }
    return s
}

let yaml = """
variables:
  release: "1.0"
resources:
  gate_secret.app:
    names: [JWT_SECRET]
  exec.build:
    command: ["make", "build"]
    triggers: {release: "${var.release}"}
    depends_on: [gate_secret.app]
  exec.migrate:
    command: ["migrate", "--url", "${secret.DATABASE_URL}"]
  exec.tests:
    command: ["make", "test", "${exec.build.exit_code}"]
    always: true
"""
let env = ["JWT_SECRET": String(repeating: "j", count: 40), "DATABASE_URL": "postgres://app:hunter2@db/app"]

@Suite struct PlannerTests {
    @Test func firstPlanCreatesAndChecks() async throws {
        let (plan, d) = await makePlan(try config(yaml), env: env)
        let p = try #require(plan, "\(d)")
        #expect(p.changes.map { "\($0.action.symbol) \($0.address)" } == ["+ exec.build", "+ exec.migrate", "+ exec.tests", "<= gate_secret.app"])
        #expect(p.summary == Plan.Summary(add: 3, change: 0, destroy: 0, checks: 1))
        let tests = try #require(p.change(ResourceAddress(kind: "exec", name: "tests")))
        #expect(tests.after?["command"] == ["make", "test", .unknown])
        let migrate = try #require(p.change(ResourceAddress(kind: "exec", name: "migrate")))
        #expect(migrate.after?["command"]?.listValue?[2] == .redacted(hasher.hash(Value.string("postgres://app:hunter2@db/app").canonicalText)))
    }

    @Test func secondPlanIsANoOpExceptAlwaysAndChecks() async throws {
        let c = try config(yaml)
        let first = try #require(await makePlan(c, env: env).0)
        let (plan, _) = await makePlan(c, state: applied(first), env: env)
        let p = try #require(plan)
        #expect(p.changes.map { "\($0.action.rawValue) \($0.address)" } == ["noop exec.build", "noop exec.migrate", "run exec.tests", "check gate_secret.app"])
        #expect(p.change(ResourceAddress(kind: "exec", name: "tests"))?.reasons == ["always: true"])
        #expect(p.change(ResourceAddress(kind: "exec", name: "tests"))?.after?["command"] == ["make", "test", 0])
    }

    @Test func changedInputsAndSecretsReplace() async throws {
        let first = try #require(await makePlan(try config(yaml), env: env).0)
        var env2 = env
        env2["DATABASE_URL"] = "postgres://app:rotated@db/app"
        let (plan, _) = await makePlan(try config(yaml.replacingOccurrences(of: "\"1.0\"", with: "\"1.1\"")), state: applied(first), env: env2)
        let p = try #require(plan)
        let build = try #require(p.change(ResourceAddress(kind: "exec", name: "build")))
        #expect(build.action == .replace)
        #expect(build.reasons == ["triggers changed"])
        #expect(build.replacePaths == ["triggers"])
        #expect(p.change(ResourceAddress(kind: "exec", name: "migrate"))?.action == .replace)
    }

    @Test func removedResourcesAreDestroyed() async throws {
        let first = try #require(await makePlan(try config(yaml), env: env).0)
        let smaller = "resources:\n  exec.build:\n    command: [\"make\", \"build\"]\n    triggers: {release: \"1.0\"}\n"
        let p = try #require(await makePlan(try config(smaller), state: applied(first), env: env).0)
        #expect(p.changes.filter { $0.action == .delete }.map(\.address.description) == ["exec.migrate", "exec.tests"])
        #expect(p.summary.destroy == 2)
    }

    @Test func targetsKeepDependencies() async throws {
        let p = try #require(await makePlan(try config(yaml), env: env, targets: [ResourceAddress(kind: "exec", name: "build")]).0)
        #expect(p.changes.map(\.address.description) == ["exec.build", "gate_secret.app"])
    }

    @Test func missingSecretIsAPlanError() async throws {
        let (plan, d) = await makePlan(try config(yaml), env: ["JWT_SECRET": "x"])
        #expect(plan == nil)
        #expect(d.errors.map(\.description).contains { $0.hasPrefix("environments/test.yaml:11:36: error: secret DATABASE_URL is not set") })
    }

    @Test func cyclesAreErrors() async throws {
        let c = try config("resources:\n  exec.a:\n    command: [\"x\"]\n    depends_on: [exec.b]\n  exec.b:\n    command: [\"${exec.a.exit_code}\"]\n")
        let (plan, d) = await makePlan(c)
        #expect(plan == nil)
        #expect(d.errors.map(\.description).first?.hasPrefix("environments/test.yaml:4:18: error: dependency cycle: exec.a → exec.b → exec.a") == true)
    }

    @Test func verifyModeAcceptsTheSameInputsAndRefusesChangedOnes() async throws {
        let c = try config(yaml)
        let saved = try #require(await makePlan(c, env: env).0)
        let (ok, d1) = await makePlan(c, env: env, mode: .verify(saved))
        #expect(ok != nil, "\(d1)")
        var env2 = env
        env2["DATABASE_URL"] = "postgres://app:other@db/app"
        let (stale, d2) = await makePlan(c, env: env2, mode: .verify(saved))
        #expect(stale == nil)
        #expect(d2.errors.map(\.summary) == ["the saved plan is stale: exec.migrate now resolves differently (command)"])
        #expect(!d2.description.contains("other"))
    }

    @Test func gateFailuresShowAsWarningsInThePlan() async throws {
        let p = try #require(await makePlan(try config(yaml), env: ["JWT_SECRET": "short", "DATABASE_URL": "x"]).0)
        #expect(p.warnings.map(\.summary) == ["gate_secret.app will fail: secret JWT_SECRET is 5 characters, shorter than 32"])
    }
}
