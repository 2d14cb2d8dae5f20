import Foundation
import Testing

@Suite(.serialized) struct EndToEndTests {
    @Test func validateReportsEveryErrorWithPositionsAndExitsOne() async throws {
        let p = try Project(["environments/bad.yaml": "resources:\n  exec.a:\n    comand: [x]\n  exec.b:\n    command: [\"${var.nope}\"]\n  exec.c:\n    command: [y]\n    depends_on: [exec.c]\n"])
        let r = try await p.run("validate", "bad")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/bad.yaml:3:5: error: unknown field \"comand\" for exec. Did you mean \"command\"?"))
        #expect(r.err.contains("environments/bad.yaml:5:16: error: unknown variable \"nope\"."))
        #expect(r.err.contains("environments/bad.yaml:8:18: error: exec.c depends on itself"))
        #expect(r.err.contains("errors."))
        #expect(!r.all.contains("Fatal error"))
    }

    @Test func invalidYAMLAndMissingEnvironment() async throws {
        let p = try Project(["environments/x.yaml": "resources: [\n"])
        let r = try await p.run("plan", "x")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("environments/x.yaml:2:1: error: invalid YAML"))
        let m = try await p.run("plan", "y")
        #expect(m.code == 1)
        #expect(m.err.contains("no environment \"y\": environments/y.yaml does not exist"))
    }

    @Test func planApplyAndNoChanges() async throws {
        let p = try basicProject()
        let plan = try await p.run("plan", "e2e", "-detailed-exitcode")
        #expect(plan.code == 2, "\(plan.all)")
        #expect(plan.out.contains("Plan: 2 to add, 0 to change, 0 to destroy, 2 checks."))
        let apply = try await p.run("apply", "e2e", "--auto-approve")
        #expect(apply.code == 0, "\(apply.all)")
        #expect(apply.out.contains("Apply complete: 4 succeeded."))
        let again = try await p.run("plan", "e2e", "--detailed-exitcode")
        #expect(again.code == 0, "\(again.all)")
        #expect(!again.out.contains("will be created"))
        let list = try await p.run("state", "list", "e2e")
        #expect(list.out == "exec.build\nexec.deploy\ngate_env.runtime\ngate_secret.app\n")
        let show = try await p.run("state", "show", "e2e", "exec.build")
        #expect(show.out.contains("exit_code   = 0"))
        #expect(show.out.contains("building 1.0"))
    }

    @Test func stepsThatRunEveryApplyAreRunsNotReplacements() async throws {
        let p = try basicProject(extra: "  exec.smoke:\n    command: [\"true\"]\n    always: true\n    depends_on: [exec.deploy]\n")
        let apply = try await p.run("apply", "e2e", "--auto-approve")
        #expect(apply.code == 0, "\(apply.all)")
        let again = try await p.run("plan", "e2e", "-detailed-exitcode")
        #expect(again.code == 0, "only a run and checks: nothing managed changes\n\(again.all)")
        #expect(again.out.contains("# exec.smoke will run (always: true)"))
        #expect(again.out.contains("  > exec.smoke"))
        #expect(again.out.contains("Plan: 0 to add, 0 to change, 0 to destroy, 1 to run, 2 checks."))
        #expect(!again.out.contains("must be replaced"))
        let json = try await p.run("plan", "e2e", "--json")
        #expect(json.out.contains("\"action\" : \"run\"") || json.out.contains("\"action\": \"run\""), "\(json.out)")
        let applied = try await p.run("apply", "e2e", "--auto-approve")
        #expect(applied.out.contains("exec.smoke: ran after"), "\(applied.out)")
    }

    @Test func aFailedRerunKeepsTheLastGoodOutputsInStateShow() async throws {
        let p = try Project(["environments/f.yaml": "variables:\n  code: \"0\"\nresources:\n  exec.step:\n    command: [sh, -c, \"echo run-$0; exit $0\", \"${var.code}\"]\n"])
        #expect(try await p.run("apply", "f", "--auto-approve").code == 0)
        try p.write("environments/f.yaml", "variables:\n  code: \"3\"\nresources:\n  exec.step:\n    command: [sh, -c, \"echo run-$0; exit $0\", \"${var.code}\"]\n")
        let failed = try await p.run("apply", "f", "--auto-approve")
        #expect(failed.code == 1)
        let show = try await p.run("state", "show", "f", "exec.step")
        #expect(show.out.contains("status       = tainted"), "\(show.out)")
        #expect(show.out.contains("last_failure = "))
        #expect(show.out.contains("exited with code 3"))
        #expect(show.out.contains("outputs (last known good; references resolve to these):\n  exit_code   = 0"), "\(show.out)")
        #expect(show.out.contains("outputs of the failed apply:\n  exit_code   = 3"), "\(show.out)")
        let plan = try await p.run("plan", "f")
        #expect(plan.out.contains("must be replaced"))
    }

    @Test func aBareBackupAddressIsRefusedAtTheFieldWithTheReferenceToWrite() async throws {
        let p = try Project([
            "environments/b.yaml": "resources:\n  postgres_backup.pre:\n    url: postgres://u@127.0.0.1:1/db\n    dir: backups\n  postgres_schema.app:\n    url: postgres://u@127.0.0.1:1/db\n    migrations: migrations\n    backup: postgres_backup.pre\n",
            "migrations/0001_init.up.sql": "CREATE TABLE t (id int);\n",
        ])
        let r = try await p.run("plan", "b")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/b.yaml:8:13: error: postgres_schema.app.backup: \"postgres_backup.pre\" is an address, not a backup file; write \"${postgres_backup.pre.path}\""), "\(r.err)")
        let json = try await p.run("plan", "b", "--json")
        #expect(json.code == 1)
    }

    @Test func fieldsAKindCannotUseAreErrorsAtTheirPosition() async throws {
        let p = try Project(["environments/f.yaml": "resources:\n  check_tcp.db:\n    host: 127.0.0.1\n    port: 70000\n  gate_env.e:\n    names: [HOME]\n    pattern: \"([a-z\"\n"])
        let r = try await p.run("plan", "f")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/f.yaml:4:11: error: check_tcp.db.port: 70000 is out of range 1-65535"), "\(r.err)")
        #expect(r.err.contains("environments/f.yaml:7:14: error: gate_env.e.pattern: \"([a-z\" is not a valid regular expression"), "\(r.err)")
    }

    @Test func kubernetesFieldsAreErrorsAtTheirPosition() async throws {
        let p = try Project(["environments/f.yaml": """
            resources:
              k8s_manifest.app:
                files: [k8s/app.yaml]
                strategy: rolling
                max_restarts: -1
              k8s_manifest.bg:
                files: [k8s/app.yaml]
                checks: ["http://127.0.0.1:1/health"]
              gate_kubernetes.cluster:
                verbs: [get, craete]

            """])
        let r = try await p.run("plan", "f")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/f.yaml:5:19: error: k8s_manifest.app.max_restarts: must be 0 or more, got -1"), "\(r.err)")
        #expect(r.err.contains("environments/f.yaml:8:13: error: k8s_manifest.bg.checks: is used only with strategy: blue-green"), "\(r.err)")
        #expect(r.err.contains("environments/f.yaml:10:18: error: gate_kubernetes.cluster.verbs[1]: \"craete\" is not a Kubernetes verb. Did you mean \"create\"?"), "\(r.err)")
    }

    @Test func databaseAndImageFieldsAreErrorsAtTheirPosition() async throws {
        let p = try Project(["environments/f.yaml": """
            resources:
              postgres_schema.db:
                url: "mysql://app:pw-e2e-hidden@127.0.0.1/app"
                migrations: db/migrations
              postgres_backup.pre:
                url: "postgres://app:pw-e2e-hidden@127.0.0.1/app"
                keep: -2
              image.api:
                repository: 127.0.0.1:15000/x/api
                compression_level: 12

            """])
        let r = try await p.run("plan", "f")
        #expect(r.code == 1)
        #expect(r.err.contains("environments/f.yaml:3:10: error: postgres_schema.db.url: must be a postgres:// URL"), "\(r.err)")
        #expect(r.err.contains("environments/f.yaml:7:11: error: postgres_backup.pre.keep: must be at least 1, got -2"), "\(r.err)")
        #expect(r.err.contains("environments/f.yaml:10:24: error: image.api.compression_level: must be 1 to 9, got 12"), "\(r.err)")
        #expect(!r.all.contains("pw-e2e-hidden"))
    }

    @Test func validateReadsMigrationsAndTheBackupReferenceWithoutAServer() async throws {
        let p = try Project([
            "environments/v.yaml": "resources:\n  postgres_schema.app:\n    url: \"${secret.DATABASE_URL}\"\n    migrations: migrations\n    backup: postgres_backup.pre\n",
            "migrations/0001_init.up.sql": "CREATE TABLE t (id int);\n",
            "migrations/0002_data.up.sql": "-- ogf:no-transaktion\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES ('oops);\n",
        ])
        let r = try await p.run("validate", "v")
        #expect(r.code == 1, "\(r.all)")
        #expect(r.err.contains("environments/v.yaml:5:13: error: postgres_schema.app.backup: \"postgres_backup.pre\" is an address"), "\(r.err)")
        #expect(r.err.contains("migrations/0002_data.up.sql:1:"), "an unknown directive is placed in its file\n\(r.err)")
        #expect(r.err.contains("[unknown-directive]"), "\(r.err)")
        #expect(r.err.contains("migrations/0002_data.up.sql:3:"), "the unterminated statement is placed\n\(r.err)")
        #expect(r.err.contains("[unterminated-input]"), "\(r.err)")
        try p.write("environments/v.yaml", "resources:\n  postgres_schema.app:\n    url: \"${secret.DATABASE_URL}\"\n    migrations: migrations\n")
        try p.write("migrations/0002_data.up.sql", "INSERT INTO t VALUES (1);\n")
        let ok = try await p.run("validate", "v")
        #expect(ok.code == 0, "\(ok.all)")
    }

    /// A window that is closed every day of the week, so the test does not depend on today.
    @Test func aClosedDeployWindowBlocksUntilOverriddenWithAReasonThatIsRecorded() async throws {
        let p = try basicProject(extra: "")
        let env = try #require(p.read("environments/e2e.yaml"))
        try p.write("environments/e2e.yaml", env.replacingOccurrences(of: "resources:\n", with: """
        policy:
          windows:
            - deny: {days: [mon, tue, wed, thu, fri, sat, sun], time_zone: Europe/Berlin}
          changelog: {file: CHANGELOG.md, must_mention: "${var.release}"}
        resources:

        """))
        try p.write("CHANGELOG.md", "## 0.9\n")
        let noMention = try await p.run("plan", "e2e")
        #expect(noMention.code == 1)
        #expect(noMention.err.contains("error: policy.changelog: CHANGELOG.md does not mention \"1.0\""), "\(noMention.err)")
        try p.write("CHANGELOG.md", "## 1.0\n- faster builds\n")

        let blocked = try await p.run("plan", "e2e", "-out", "p.out")
        #expect(blocked.code == 1)
        #expect(blocked.err.contains("error: e2e may not be deployed now: "), "\(blocked.err)")
        #expect(blocked.err.contains("Europe/Berlin is in \"deny mon, tue, wed, thu, fri, sat, sun Europe/Berlin\" (environments/e2e.yaml:"), "\(blocked.err)")
        #expect(blocked.err.contains("--override-policy"))
        #expect(p.read("p.out") == nil, "nothing saved")

        let empty = try await p.run("plan", "e2e", "--override-policy", " ")
        #expect(empty.code != 0)
        #expect(empty.err.contains("--override-policy needs a reason"), "\(empty.err)")

        let allowed = try await p.run("plan", "e2e", "-out", "p.out", "--override-policy", "hotfix for the login outage")
        #expect(allowed.code == 0, "\(allowed.all)")
        #expect(allowed.out.hasPrefix("Deploy policy overridden by "), "\(allowed.out)")
        #expect(allowed.out.contains(": hotfix for the login outage\n  blocked: "))
        let md = try await p.run("show", "p.out", "--markdown")
        #expect(md.out.hasPrefix("> **Deploy policy overridden** by "), "\(md.out)")
        let apply = try await p.run("apply", "p.out")
        #expect(apply.code == 0, "\(apply.all)")
        let show = try await p.run("state", "show", "e2e")
        #expect(show.out.contains("deploy policy overridden by "), "\(show.out)")
        #expect(show.out.contains("hotfix for the login outage"))
        let json = try await p.run("state", "show", "e2e", "--json")
        #expect(json.out.contains("hotfix for the login outage"), "\(json.out)")
    }

    @Test func applyWithoutATerminalNeedsApproval() async throws {
        let p = try basicProject()
        let r = try await p.run("apply", "e2e")
        #expect(r.code == 1)
        #expect(r.err.contains("refusing to apply without confirmation"))
        #expect(p.read("state/e2e.json")?.contains("exec.build") != true)
    }

    @Test func savedPlansApplyExactlyAndStalePlansAreRefused() async throws {
        let p = try basicProject()
        #expect(try await p.run("plan", "e2e", "-out", "a.out").code == 0)
        let applied = try await p.run("apply", "a.out")
        #expect(applied.code == 0, "\(applied.all)")

        // The configuration changes after the plan was made.
        #expect(try await p.run("plan", "e2e", "-out", "b.out").code == 0)
        try p.write("environments/e2e.yaml", p.read("environments/e2e.yaml")!.replacingOccurrences(of: "\"1.0\"", with: "\"1.1\""))
        let stale = try await p.run("apply", "b.out")
        #expect(stale.code == 1)
        #expect(stale.err.contains("the saved plan is stale: the configuration of e2e changed since it was made"))

        // The state changes after the plan was made.
        #expect(try await p.run("plan", "e2e", "-out", "c.out").code == 0)
        #expect(try await p.run("apply", "e2e", "--auto-approve").code == 0)
        let stale2 = try await p.run("apply", "c.out")
        #expect(stale2.code == 1)
        #expect(stale2.err.contains("the state of e2e changed since it was made"))

        // An input from the environment changes after the plan was made.
        #expect(try await p.run("plan", "e2e", "-out", "d.out").code == 0)
        let stale3 = try await p.run("apply", "d.out", env: ["API_TOKEN": "tok-rotated-0123456789abcdef0123456789"])
        #expect(stale3.code == 1)
        #expect(stale3.err.contains("the saved plan is stale: exec.deploy now resolves differently (command)"))

        // A plan from another ogf version.
        #expect(try await p.run("plan", "e2e", "-out", "e.out").code == 0)
        try p.write("e.out", p.read("e.out")!.replacingOccurrences(of: "\"ogf_version\" : \"", with: "\"ogf_version\" : \"9"))
        let other = try await p.run("apply", "e.out")
        #expect(other.code == 1)
        #expect(other.err.contains("was made by ogf 9"))
    }

    @Test func secretsNeverReachOutputStatePlanFilesOrReports() async throws {
        let p = try basicProject()
        let secret = "tok-0123456789abcdef0123456789abcdef"
        let plan = try await p.run("plan", "e2e", "-out", "s.out")
        let json = try await p.run("show", "s.out", "--json")
        let md = try await p.run("show", "s.out", "--markdown")
        let apply = try await p.run("apply", "s.out")
        let show = try await p.run("state", "show", "e2e", "exec.deploy")
        let showJSON = try await p.run("state", "show", "e2e", "--json")
        #expect(apply.code == 0, "\(apply.all)")
        for (what, text) in [("plan", plan.all), ("json", json.all), ("markdown", md.all), ("apply", apply.all), ("state show", show.all),
                             ("state json", showJSON.all), ("state file", p.read("state/e2e.json") ?? ""), ("plan file", p.read("s.out") ?? "")] {
            #expect(!text.contains(secret), "secret leaked into \(what)")
        }
        #expect(show.out.contains("deploying with token ****"))
        #expect(show.out.contains("(sensitive)"))
    }

    @Test func failuresSkipDependentsWithASummary() async throws {
        let p = try basicProject(extra: """
          exec.broken:
            command: ["sh", "-c", "echo about to fail; exit 4"]
          exec.needs_broken:
            command: ["true"]
            depends_on: [exec.broken]
        """)
        let r = try await p.run("apply", "e2e", "--auto-approve")
        #expect(r.code == 1)
        #expect(r.out.contains("exec.broken: failed after"))
        #expect(r.out.contains("exited with code 4; last output:"))
        #expect(r.out.contains("exec.needs_broken: skipped (depends on exec.broken, which failed)"))
        #expect(r.out.contains("Apply failed: 4 succeeded, 1 failed (exec.broken), 1 skipped."))
        let plan = try await p.run("plan", "e2e")
        #expect(plan.out.contains("# exec.broken must be replaced (tainted: the last run failed)"))
        #expect(plan.out.contains("# exec.needs_broken will be created"))
    }

    @Test func sigkillMidApplyLosesNoCompletedWorkAndTheNextPlanShowsExactlyWhatIsLeft() async throws {
        let p = try basicProject(extra: """
          exec.fast1: {command: ["true"]}
          exec.fast2: {command: ["true"]}
          exec.slow:
            command: ["sleep", "30"]
            depends_on: [exec.fast1]
          exec.after_slow:
            command: ["true"]
            depends_on: [exec.slow]
        """)
        let proc = try p.start(["apply", "e2e", "--auto-approve"])
        let journal = p.root + "/state/e2e.journal"
        let ready = await p.waitFor(20) {
            guard let j = try? String(contentsOfFile: journal, encoding: .utf8) else { return false }
            return ["exec.fast1", "exec.fast2", "exec.deploy"].allSatisfy { j.contains("\"address\":\"\($0)\"") }
        }
        #expect(ready, "the quick resources never reached the journal")
        proc.signal(SIGKILL)
        _ = await p.finish(proc)

        let plan = try await p.run("plan", "e2e", "--json")
        #expect(plan.code == 0, "\(plan.all)")
        #expect(plan.err.contains("recovered"))
        let obj = try JSONSerialization.jsonObject(with: Data(plan.out.utf8)) as! [String: Any]
        let changes = (obj["resource_changes"] as! [[String: Any]]).filter { ($0["role"] as! String) == "managed" }
        let actions = Dictionary(uniqueKeysWithValues: changes.map { ($0["address"] as! String, $0["action"] as! String) })
        #expect(actions == ["exec.build": "noop", "exec.deploy": "noop", "exec.fast1": "noop", "exec.fast2": "noop",
                            "exec.slow": "create", "exec.after_slow": "create"])
        let history = try await p.run("state", "show", "e2e")
        #expect(history.out.contains("did not finish (killed or crashed)"))
        // The audit log says who started it, though nothing recorded its end.
        let audit = try await p.run("audit", "list", "e2e")
        #expect(audit.out.contains("  apply  started"), "\(audit.all)")
        #expect(!audit.out.contains("  apply  succeeded") && !audit.out.contains("  apply  failed"), "\(audit.all)")
    }

    @Test func aSecondOgfFailsAtOnceSayingWhoHoldsTheLock() async throws {
        let p = try basicProject(extra: "  exec.slow: {command: [\"sleep\", \"20\"]}\n")
        let proc = try p.start(["apply", "e2e", "--auto-approve"])
        defer { proc.signal(SIGKILL) }  // no await in a defer: the child is reaped by Foundation
        #expect(await p.waitFor(20) { (p.read("state/e2e.journal") ?? "").contains("exec.deploy") })
        let start = Date()
        let second = try await p.run("plan", "e2e")
        #expect(second.code == 1)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(second.err.contains("the state is locked by e2e@"))
        #expect(second.err.contains("running \"apply\""))
        #expect(second.err.contains("ogf force-unlock e2e "))
    }

    @Test func firstInterruptLetsInFlightWorkFinishAndStartsNothingNew() async throws {
        let p = try basicProject(extra: """
          exec.slow: {command: ["sleep", "1"], depends_on: [exec.deploy]}
          exec.later: {command: ["true"], depends_on: [exec.slow]}
        """)
        let proc = try p.start(["apply", "e2e", "--auto-approve", "--parallelism", "1"])
        #expect(await p.waitFor(20) { (p.read("state/e2e.journal") ?? "").contains("exec.deploy") })
        try await Task.sleep(for: .milliseconds(200))
        proc.signal(SIGINT)
        let r = await p.finish(proc)
        #expect(r.code == 130, "\(r.all)")
        #expect(r.out.contains("Interrupt received"))
        #expect(r.out.contains("exec.slow: created after"))
        #expect(r.out.contains("Apply interrupted"))
        let state = p.read("state/e2e.json") ?? ""
        #expect(state.contains("exec.slow"))
        #expect(!state.contains("exec.later"))
        #expect(!FileManager.default.fileExists(atPath: p.root + "/state/e2e.journal"))
    }

    @Test func secondInterruptStopsInFlightWorkAndLeavesItUnrecorded() async throws {
        let p = try basicProject(extra: "  exec.slow: {command: [\"sleep\", \"30\"], depends_on: [exec.deploy]}\n")
        let proc = try p.start(["apply", "e2e", "--auto-approve"])
        #expect(await p.waitFor(20) { (p.read("state/e2e.journal") ?? "").contains("exec.deploy") })
        try await Task.sleep(for: .milliseconds(300))
        let start = Date()
        proc.signal(SIGINT)
        try await Task.sleep(for: .milliseconds(200))
        proc.signal(SIGINT)
        let r = await p.finish(proc)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.code == 130, "\(r.all)")
        #expect(r.out.contains("Second interrupt: stopping in-flight work now."))
        #expect(r.out.contains("Apply interrupted: 4 succeeded, 1 stopped (exec.slow)."))
        #expect(r.out.contains("exec.slow: stopped after"), "the stopped resource gets its own line\n\(r.out)")
        #expect(r.out.contains("not recorded, the next plan shows it again"))
        let list = try await p.run("state", "list", "e2e")
        #expect(list.out.contains("exec.deploy"))
        #expect(!list.out.contains("exec.slow"))
        let plan = try await p.run("plan", "e2e")
        #expect(plan.out.contains("# exec.slow will be created"))
    }

    @Test func forceUnlockAndStaleLocks() async throws {
        let p = try basicProject()
        try p.write("state/e2e.lock", #"{"created_at":"2026-01-01T00:00:00Z","host":"\#(ProcessInfo.processInfo.hostName)","id":"abc","ogf_version":"0.1.0","operation":"apply","pid":999999,"user":"gone"}"#)
        let plan = try await p.run("plan", "e2e")
        #expect(plan.code == 0)
        #expect(plan.err.contains("ended without releasing its lock"))
        let none = try await p.run("force-unlock", "e2e", "abc")
        #expect(none.code == 1)
        #expect(none.err.contains("is not locked") || none.err.contains("does not match"))
    }

    @Test func outputIsPlainWhenNotATerminalAndHelpAnswers() async throws {
        let p = try basicProject()
        let r = try await p.run("plan", "e2e", env: ["NO_COLOR": "1"])
        #expect(!r.all.contains("\u{1B}["))
        for cmd in [["--help"], ["plan", "--help"], ["apply", "--help"], ["show", "--help"], ["state", "show", "--help"], ["graph", "--help"],
                    ["force-unlock", "--help"], ["validate", "--help"]] {
            let h = try await p.run(cmd)
            #expect(h.code == 0, "\(cmd)")
            #expect(h.out.contains("USAGE:"))
        }
        #expect(try await p.run("--version").out == "0.1.0\n")
    }

    /// At a terminal: the plan, the confirmation prompt, colors and the live status line.
    @Test func atATerminalApplyAsksForYesAndShowsProgress() async throws {
        let pty = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Support/pty_run.py").path
        let p = try basicProject()
        let no = try await p.run(["python3", pty, "no", Project.binary, "apply", "e2e"], viaEnv: true)
        #expect(no.code == 1)
        #expect(no.out.contains("Only 'yes' will be accepted to approve."))
        #expect(no.out.contains("Apply cancelled."))
        let yes = try await p.run(["python3", pty, "yes", Project.binary, "apply", "e2e"], viaEnv: true)
        #expect(yes.code == 0, "\(yes.out)")
        #expect(yes.out.contains("\u{1B}[32m"))
        #expect(yes.out.contains("running: "))
        #expect(yes.out.contains("Apply complete: 4 succeeded."))
    }

    @Test func kubeContextFlagOverridesTheConfiguredContextAndSavedPlansKeepIt() async throws {
        let kubeconfig = """
        {"apiVersion": "v1", "kind": "Config", "current-context": "staging",
         "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
         "users": [{"name": "u", "user": {"token": "t"}}],
         "contexts": [{"name": "staging", "context": {"cluster": "c", "user": "u"}}]}
        """
        let p = try Project([
            "environments/k.yaml": "resources:\n  gate_kubernetes.cluster:\n    kubeconfig: kube.json\n",
            "kube.json": kubeconfig,
        ])
        let r = try await p.run("apply", "k", "--auto-approve", "--context", "production")
        #expect(r.code == 1)
        #expect(r.out.contains("context \"production\" is not in the kubeconfig (known: staging)"))
        #expect(try await p.run("plan", "k", "-out", "k.out").code == 0)
        let mismatch = try await p.run("apply", "k.out", "--context", "production")
        #expect(mismatch.code == 1)
        #expect(mismatch.err.contains("--context production differs from the context the plan was made with (the configured one)"))
    }

    @Test func graphAndTargets() async throws {
        let p = try basicProject()
        let g = try await p.run("graph", "e2e")
        #expect(g.out.contains("\"exec.deploy\" -> \"exec.build\";"))
        let t = try await p.run("plan", "e2e", "--target", "exec.build")
        #expect(t.out.contains("exec.build"))
        #expect(!t.out.contains("exec.deploy"))
        let bad = try await p.run("plan", "e2e", "--target", "exec.bild")
        #expect(bad.code == 1)
        #expect(bad.err.contains("Did you mean \"exec.build\"?"))
    }

    @Test func markdownForPullRequests() async throws {
        let p = try basicProject()
        #expect(try await p.run("plan", "e2e", "-out", "m.out").code == 0)
        let md = try await p.run("show", "m.out", "--markdown")
        #expect(md.out.hasPrefix("### ogf plan: `e2e`\n\n**Plan: 2 to add, 0 to change, 0 to destroy, 2 checks.**"))
        #expect(md.out.contains("<details><summary><code>+ exec.build</code>"))
    }
}

@Suite struct DocsTests {
    @Test func kindReferenceInDocsMatchesTheCode() async throws {
        let p = try Project([:])
        let r = try await p.run("kinds", "--markdown")
        #expect(r.code == 0)
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/kinds.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(text == r.out, "docs/kinds.md is out of date: run `ogf kinds --markdown > docs/kinds.md`")
    }
}
