import Foundation
import OGFCore
import OGFHTTP
import OGFSupport
import Testing
@testable import OGFKinds

@Suite struct GateTests {
    @Test func gateEnvPassesAndFailsWithNames() async throws {
        let k = GateEnvKind()
        let ok = try await k.apply(request("gate_env", ["names": ["A", "B"], "patterns": ["B": "info|debug"]], vars: ["A": "1", "B": "info"], schema: k.schema))
        #expect(ok.summary == "2 variables set")
        await #expect { try await k.apply(request("gate_env", ["names": ["A", "B", "C"], "pattern": "[0-9]+"], vars: ["A": "1", "B": "x", "C": ""], schema: k.schema)) }
            throws: { "\($0)".hasPrefix("B does not match [0-9]+; C is empty") }
    }

    @Test func gateSecretChecksLengthAndNeverRevealsValues() async throws {
        let k = GateSecretKind()
        let long = String(repeating: "s", count: 40)
        let r = try await k.apply(request("gate_secret", ["names": ["JWT"]], vars: ["JWT": long], schema: k.schema))
        #expect(r.outputs["fingerprints"]?["JWT"] == .sensitive(.string(long)))
        #expect(!r.outputs.description.contains(long))
        await #expect { try await k.apply(request("gate_secret", ["names": ["JWT", "KEY"]], vars: ["JWT": "short-value"], schema: k.schema)) }
            throws: { e in "\(e)".hasPrefix("secret JWT is 11 characters, shorter than 32; secret KEY is missing") && !"\(e)".contains("short-value") }
    }

    @Test func gateSecretPlanNoticesRotation() async throws {
        let k = GateSecretKind()
        let h = SecretHasher(salt: [1, 2, 3])
        let ctx = KindContext(environment: "t", isProtected: false, projectRoot: "/", variables: ["JWT": String(repeating: "b", count: 32)],
                              hashSecret: { h.hash(Value.string($0).canonicalText) })
        let old = Value.map(["JWT": .sensitive(.string(String(repeating: "a", count: 32)))]).redacted(with: h)
        let prior = ResourceState(kind: "gate_secret", attributes: [:], outputs: ["fingerprints": old], sensitivePaths: [], dependencies: [],
                                  appliedAt: Date(), ogfVersion: "t", durationMs: 1)
        let r = try await k.plan(PlanRequest(address: ResourceAddress(kind: "gate_secret", name: "a"), config: ["names": ["JWT"], "min_length": 32],
                                             prior: prior, changedFields: [], refresh: true, context: ctx))
        #expect(r.action == .check)
        #expect(r.details == ["JWT changed since the last apply"])
    }
}

@Suite struct ExecTests {
    let k = ExecKind(runner: SpawnProcessRunner())

    @Test func recordsExitCodeAndTail() async throws {
        let r = try await k.apply(request("exec", ["command": ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; echo $FOO >&2"], "tail_lines": 3, "env": ["FOO": "bar"]],
                                          action: .create, schema: k.schema))
        #expect(r.outputs["exit_code"] == 0)
        #expect(r.outputs["output_tail"] == "line 4\nline 5\nbar")
    }

    @Test func failingCommandFailsWithItsOutput() async throws {
        await #expect { try await k.apply(request("exec", ["command": ["sh", "-c", "echo boom; exit 3"]], action: .create, schema: k.schema)) }
            throws: { e in
                guard let f = e as? ResourceFailure else { return false }
                return f.message.hasPrefix("exited with code 3") && f.message.contains("│ boom") && f.outputs["exit_code"] == 3
            }
    }

    @Test func timeoutStopsTheCommand() async throws {
        let start = Date()
        await #expect { try await k.apply(request("exec", ["command": ["sleep", "30"], "timeout": "300ms"], action: .create, schema: k.schema)) }
            throws: { "\($0)".hasPrefix("timed out after 300ms") }
        // Well under the 30 s the command would sleep: the bound is loose because the suite runs
        // in parallel with tests that block the two cooperative threads of a 2-core machine.
        #expect(Date().timeIntervalSince(start) < 25)
    }

    @Test func secretsAreMaskedInOutput() async throws {
        let r = try await k.apply(request("exec", ["command": ["sh", "-c", "echo token=$T"]], vars: ["T": "supersecretvalue", "PATH": "/usr/bin:/bin"],
                                          action: .create, redact: { $0.replacingOccurrences(of: "supersecretvalue", with: "****") }, schema: k.schema))
        #expect(r.outputs["output_tail"] == "token=****")
    }

    @Test func missingProgramSaysSo() async throws {
        await #expect { try await k.apply(request("exec", ["command": ["no-such-program-ogf"]], vars: ["PATH": "/usr/bin:/bin"], action: .create, schema: k.schema)) }
            throws: { "\($0)".contains("cannot run no-such-program-ogf") && "\($0)".contains("installed and on PATH") }
    }

    @Test func cancellationStopsTheProcessGroup() async throws {
        let task = Task { try await k.apply(request("exec", ["command": ["sh", "-c", "sleep 30; echo never"]], action: .create, schema: k.schema)) }
        try await Task.sleep(for: .milliseconds(200))
        let start = Date()
        task.cancel()
        _ = await task.result
        #expect(Date().timeIntervalSince(start) < 6)
    }

    /// Not just the shell: a grandchild it started (as pg_dump under a wrapper would be) dies too.
    @Test func cancellationKillsEveryProcessInTheGroup() async throws {
        let pidFile = NSTemporaryDirectory() + "ogf-group-\(UUID().uuidString).pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let task = Task {
            try await SpawnProcessRunner().run(["sh", "-c", "sleep 60 & echo $! > \(pidFile); wait"], directory: "/",
                                               environment: ["PATH": "/usr/bin:/bin"], timeout: nil)
        }
        var child: pid_t = 0
        for _ in 0..<100 where child == 0 {
            child = pid_t((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            if child == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(child > 0, "the child never started")
        #expect(Self.isAlive(child))
        let start = Date()
        task.cancel()
        let result = try await task.value
        #expect(Date().timeIntervalSince(start) < 6)
        #expect(result.signal == SIGTERM)
        var alive = true
        for _ in 0..<60 where alive {
            alive = Self.isAlive(child)
            if alive { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!alive, "the grandchild \(child) outlived the cancellation")
    }

    /// Running and not a zombie (an orphan's zombie may wait for a reaper that never comes here).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }

    @Test func planRerunsOnCommandOrTriggerChangeOrAlways() async throws {
        func plan(_ changed: [String], always: Bool = false, status: ResourceStatus = .ready) async throws -> PlanResponse {
            let prior = ResourceState(kind: "exec", attributes: [:], outputs: ["exit_code": 0], sensitivePaths: [], dependencies: [],
                                      appliedAt: Date(), ogfVersion: "t", durationMs: 1, status: status)
            return try await k.plan(PlanRequest(address: ResourceAddress(kind: "exec", name: "a"), config: k.schema.withDefaults(["command": ["true"], "always": .bool(always)]), prior: prior,
                                                changedFields: changed, refresh: true, context: context()))
        }
        #expect(try await plan([]).action == .noop)
        #expect(try await plan(["triggers"]).reasons == ["triggers changed"])
        #expect(try await plan([], always: true).action == .run)
        #expect(try await plan(["timeout"]).action == .update)
        #expect(try await plan([], status: .tainted).reasons == ["tainted: the last run failed"])
    }
}

@Suite struct CheckTests {
    let http = CheckHTTPKind(http: CurlHTTPClient())

    init() async throws { try await HTTPFixture.ready() }

    @Test func httpStatusAndJSON() async throws {
        let r = try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/health"), "json": ["status": "ok", "checks.db": true, "count": 3.0]], schema: http.schema))
        #expect(r.outputs["status"] == 200)
        #expect(r.summary?.hasPrefix("200 in") == true)
    }

    @Test func httpFailuresSayWhatWasWrong() async throws {
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/status/503")], schema: http.schema)) }
            throws: { "\($0)".contains("status 503, expected 200") }
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/health"), "body_contains": "nope"], schema: http.schema)) }
            throws: { "\($0)".contains("the body does not contain \"nope\"") }
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/health"), "json": ["status": "down"]], schema: http.schema)) }
            throws: { "\($0)".contains("JSON status is \"ok\", expected \"down\"") }
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/slow?ms=300"), "max_latency": "100ms"], schema: http.schema)) }
            throws: { "\($0)".contains("more than max_latency 100ms") }
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/slow?ms=2000"), "timeout": "300ms"], schema: http.schema)) }
            throws: { "\($0)".lowercased().contains("timed out") }
        await #expect { try await http.apply(request("check_http", ["url": .string("http://127.0.0.1:\(closedPort())/")], schema: http.schema)) }
            throws: { "\($0)".contains("refused") || "\($0)".contains("Couldn't connect") }
    }

    @Test func httpRetriesUntilItPasses() async throws {
        let key = UUID().uuidString
        let r = try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/flaky/\(key)?fail=2"), "retries": 3, "interval": "50ms"], schema: http.schema))
        #expect(r.outputs["status"] == 200)
        await #expect { try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/flaky/\(key)x?fail=5"), "retries": 1, "interval": "10ms"], schema: http.schema)) }
            throws: { "\($0)".contains("(after 2 attempts)") }
    }

    @Test func httpHeadersMayCarrySecretsThatNeverShow() async throws {
        let r = try await http.apply(request("check_http", ["url": .string(HTTPFixture.base + "/echo-headers"), "headers": ["Authorization": .sensitive("Bearer tok-123456")],
                                                            "json": ["authorization": .sensitive("Bearer tok-123456")]], schema: http.schema))
        #expect(r.outputs["status"] == 200)
        await #expect { try await http.apply(request("check_http", ["url": .sensitive(.string(HTTPFixture.base + "/status/500?token=abc"))], schema: http.schema)) }
            throws: { "\($0)".contains("(sensitive URL)") && !"\($0)".contains("token=abc") }
    }

    @Test func tcpOpenAndRefused() async throws {
        let k = CheckTCPKind()
        let r = try await k.apply(request("check_tcp", ["host": "127.0.0.1", "port": .int(HTTPFixture.port)], schema: k.schema))
        #expect(r.outputs["latency_ms"] != nil)
        let port = closedPort()
        await #expect { try await k.apply(request("check_tcp", ["host": "127.0.0.1", "port": .int(port)], schema: k.schema)) }
            throws: { "\($0)" == "127.0.0.1:\(port): connection refused" }
    }
}
