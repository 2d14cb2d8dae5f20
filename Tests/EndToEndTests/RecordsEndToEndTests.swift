import Foundation
import OGFTestSupport
import Testing

/// `ogf apply` with records and telemetry on: the report and status page written, the audit
/// log appended, sinks reached (stand-ins and the OTLP receiver), exec steps joined to the
/// trace, no secret anywhere; and a sink that is down never fails the deploy.
@Suite(.serialized) struct RecordsEndToEndTests {
    static let token = "glsa_e2eGrafanaToken_0b7d"
    static let slackPath = "/services/TE2E/BE2E/e2eSlackWebhookPath"
    static let secret = "tok-0123456789abcdef0123456789abcdef"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The Grafana/Slack stand-ins on an ephemeral port; stopped by pid when the test ends.
    final class Standins {
        let process = Process()
        var port = 0
        init() async throws {
            let portFile = NSTemporaryDirectory() + "ogf-records-port-\(UUID().uuidString)"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", RecordsEndToEndTests.root + "/Tests/Support/telemetry-standins.py", "0", RecordsEndToEndTests.token,
                                 RecordsEndToEndTests.slackPath, portFile]
            try process.run()
            var found = 0
            _ = await poll(attempts: 100, every: 0.05) {
                found = Int((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "") ?? 0
                return found != 0
            }
            port = found
        }
        deinit {
            // SIGKILL: children started through Foundation's Process were seen to outlive SIGTERM.
            // Synchronous (a deinit cannot await); SIGKILL ends it at once, so the poll is short.
            kill(process.processIdentifier, SIGKILL)
            for _ in 0..<200 where process.isRunning { usleep(10_000) }
        }
        /// What the stand-ins received (JSON), read with curl.
        var requests: String {
            get async {
                let r = try? await Child.run(onPath: ["curl", "-sS", "-m", "5", "http://127.0.0.1:\(port)/debug/requests"], output: .separate)
                return r?.outText ?? ""
            }
        }
    }

    func project(grafanaURL: String, slackURL: String, otlp: String = "http://127.0.0.1:14318") throws -> Project {
        try Project([
            "environments/e2e.yaml": """
            environment: e2e
            env_file: environments/e2e.env
            variables:
              release: "v3.1.0"
            records:
              report_dir: reports/e2e
              status_page: public/status
            notify:
              timeout: 2s
              retries: 1
              grafana: {url: "\(grafanaURL)", token: "${secret.GRAFANA_TOKEN}", dashboard_uid: offgridflow, tags: [deploy]}
              slack: {webhook: "${secret.SLACK_WEBHOOK_URL}", on: [started, succeeded, failed, rolled_back]}
              otlp: {endpoint: "\(otlp)", headers: {authorization: "${secret.API_TOKEN}"}}
            resources:
              gate_secret.app:
                names: [API_TOKEN]
              exec.build:
                command: ["sh", "-c", "echo building; printf %s \\"$TRACEPARENT\\" > traceparent.txt"]
                depends_on: [gate_secret.app]
              exec.deploy:
                command: ["sh", "-c", "echo deploying with $0", "${secret.API_TOKEN}"]
                depends_on: [exec.build]
            """,
            "environments/e2e.env": "API_TOKEN=\(Self.secret)\nGRAFANA_TOKEN=\(Self.token)\nSLACK_WEBHOOK_URL=\(slackURL)\n",
        ])
    }

    @Test func applyWritesRecordsNotifiesAndAudits() async throws {
        let s = try await Standins()
        #expect(s.port > 0, "stand-ins did not start")
        let base = "http://127.0.0.1:\(s.port)"
        let p = try project(grafanaURL: base, slackURL: base + Self.slackPath)
        let r = try await p.run("apply", "e2e", "--auto-approve")
        #expect(r.code == 0, "\(r.all)")
        #expect(!r.all.contains("warning: telemetry"), "\(r.all)")
        #expect(r.out.contains("Report: reports/e2e/e2e-1.html"))
        // The report in three formats, and through `ogf report`.
        for ext in ["md", "html", "json"] {
            let text = try #require(p.read("reports/e2e/e2e-1.\(ext)"), "no .\(ext) report")
            #expect(text.contains("v3.1.0"))
            #expect(!text.contains(Self.secret) && !text.contains(Self.token) && !text.contains(Self.slackPath), "the \(ext) report leaks a secret")
        }
        let json = try await p.run("report", "e2e", "--format", "json")
        #expect(json.code == 0)
        let record = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect((record?["resources"] as? [Any])?.count == 3)
        // The exec step got a traceparent in the run's trace.
        let traceID = try #require(record?["trace_id"] as? String)
        let tp = try #require(p.read("traceparent.txt"))
        #expect(tp.hasPrefix("00-\(traceID)-") && tp.hasSuffix("-01"), "\(tp)")
        // Status page.
        let status = try #require(p.read("public/status/index.html"))
        #expect(status.contains("v3.1.0") && status.contains("1 of 1 checks passed"))
        #expect(!status.contains(Self.secret))
        // Sinks were reached, with no secret in any body.
        let reqs = await s.requests
        #expect(reqs.contains("/api/annotations/1") && reqs.contains(Self.slackPath))
        let bodies = reqs.replacingOccurrences(of: "Bearer \(Self.token)", with: "")
        #expect(!bodies.contains(Self.secret) && !bodies.contains(Self.token))
        // Audit log.
        let verify = try await p.run("audit", "verify", "e2e")
        #expect(verify.code == 0 && verify.out.contains("intact: 2 entries"), "started and succeeded\n\(verify.all)")
        let list = try await p.run("audit", "list", "e2e", "--json")
        #expect(list.out.contains("\"command\":\"apply\"") && list.out.contains("\"outcome\":\"started\"") && list.out.contains("\"outcome\":\"succeeded\""))
        // Chromium: the page renders, one bar per resource, no console error.
        let html = p.root + "/reports/e2e/e2e-1.html"
        let dom = try await chromium(["--dump-dom", "file://" + html])
        #expect(dom.out.components(separatedBy: "<rect class=\"bar ").count - 1 == 3, "one bar per resource")
        #expect(!dom.err.contains("CONSOLE"), "\(dom.err)")
        let shot = p.root + "/report.png"
        _ = try await chromium(["--screenshot=\(shot)", "--window-size=1280,900", "file://" + html])
        #expect(((try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0) > 10_000)
        let statusDOM = try await chromium(["--dump-dom", "file://" + p.root + "/public/status/index.html"])
        #expect(statusDOM.out.contains("class=\"environment\"") && !statusDOM.err.contains("CONSOLE"))
        // Keep the pictures for a human to look at.
        if let dir = ProcessInfo.processInfo.environment["OGF_RECORDS_SCREENSHOTS"] {
            try? FileManager.default.removeItem(atPath: dir + "/report.png")
            try? FileManager.default.copyItem(atPath: shot, toPath: dir + "/report.png")
            _ = try await chromium(["--screenshot=\(dir)/status.png", "--window-size=1280,900", "file://" + p.root + "/public/status/index.html"])
        }
    }

    @Test func aSinkThatIsDownIsAWarningNotAFailure() async throws {
        let p = try project(grafanaURL: "http://127.0.0.1:9", slackURL: "http://127.0.0.1:9" + Self.slackPath, otlp: "http://127.0.0.1:9")
        let r = try await p.run("apply", "e2e", "--auto-approve")
        #expect(r.code == 0, "\(r.all)")
        #expect(r.out.contains("warning: telemetry: grafana:") && r.out.contains("warning: telemetry: slack:") && r.out.contains("warning: telemetry: otlp:"))
        #expect(!r.all.contains(Self.slackPath) && !r.all.contains(Self.token))
        let md = try #require(p.read("reports/e2e/e2e-1.md"))
        #expect(md.contains("## Warnings") && md.contains("telemetry: slack"))
    }

    @Test func noNotifySendsNothing() async throws {
        let s = try await Standins()
        let base = "http://127.0.0.1:\(s.port)"
        let p = try project(grafanaURL: base, slackURL: base + Self.slackPath)
        let r = try await p.run("apply", "e2e", "--auto-approve", "--no-notify")
        #expect(r.code == 0, "\(r.all)")
        #expect(await s.requests == "[]")
        #expect(p.read("reports/e2e/e2e-1.md") != nil, "reports are still written")
    }

    @Test func auditVerifyNamesAnEditedEntry() async throws {
        let p = try project(grafanaURL: "http://127.0.0.1:9", slackURL: "http://127.0.0.1:9/x")
        _ = try await p.run("plan", "e2e", "-out", "plan.out")
        _ = try await p.run("apply", "plan.out", "--no-notify")
        #expect(try await p.run("audit", "verify", "e2e").code == 0)
        let path = p.root + "/state/e2e.audit.jsonl"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"outcome\":\"saved\"", with: "\"outcome\":\"approved\"").write(toFile: path, atomically: true, encoding: .utf8)
        let v = try await p.run("audit", "verify", "e2e")
        #expect(v.code == 1)
        #expect(v.err.contains("does not verify at entry 1"), "\(v.all)")
    }

    func chromium(_ args: [String]) async throws -> (out: String, err: String) {
        let r = try await Child.run(onPath: ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"] + args)
        return (r.outText, r.errText)
    }
}
