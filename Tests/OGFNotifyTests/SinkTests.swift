import Foundation
import OGFCore
import OGFHTTP
import OGFRecords
import OGFState
import Testing
@testable import OGFNotify

/// Every sink against a real server or a stand-in that checks requests as the real API does.
@Suite(.serialized) struct SinkTests {
    func config(_ s: Standins, grafana: Bool = true, slack: Bool = true, push: String? = nil, otlp: String? = nil, smtp: String? = nil) -> NotifyConfig {
        var c = NotifyConfig()
        c.timeout = 2
        c.retries = 2
        c.deadline = 15
        if grafana { c.grafana = .init(url: s.base, token: SecretText(Canary.grafanaToken), dashboardUID: "offgridflow", tags: ["deploy"]) }
        if slack { c.slack = .init(webhook: SecretText(s.webhook), on: Set(NotifyPhase.allCases)) }
        if let push { c.pushgateway = .init(url: push, job: "ogf") }
        if let otlp { c.otlp = .init(endpoint: otlp, headers: ["Authorization": SecretText(Canary.otlpAuth)], serviceName: "ogf") }
        if let smtp {
            c.email = .init(smtp: SecretText(smtp), from: "deploys@offgridflow.example", to: ["oncall@offgridflow.example"], on: [.failed, .rolledBack],
                            username: "ogf-smtp", password: SecretText(Canary.smtpPassword))
        }
        return c
    }

    func secretsAbsent(_ text: String, _ what: String) {
        for s in [Canary.grafanaToken, Canary.slackPath, Canary.otlpAuth, Canary.smtpPassword, Canary.inRecord] {
            #expect(!text.contains(s), "\(what) contains a secret")
        }
    }

    @Test func grafanaAnnotatesARegionAndSlackPostsBlocks() async throws {
        let s = try await Standins()
        let env = "ogf_records_\(UInt16.random(in: 0...UInt16.max))"
        let n = Notifier(config: config(s), client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart(env))
        let warnings = await n.finish(sampleEnd(environment: env))
        #expect(warnings == [])
        let reqs = try await s.requests()
        let grafana = reqs.filter { $0["path"]?.stringValue?.hasPrefix("/api/annotations") == true }
        #expect(grafana.map { $0["method"]?.stringValue ?? "" } == ["POST", "PATCH"])
        #expect(grafana.last?["path"]?.stringValue == "/api/annotations/1")
        let post = try JSONDecoder().decode(Value.self, from: Data((grafana.first?["body"]?.stringValue ?? "").utf8))
        let tags = (post["tags"]?.listValue ?? []).compactMap(\.stringValue)
        #expect(tags.starts(with: ["ogf", env, "v2.0.1"]) && tags.contains("deploy"))
        #expect(post["dashboardUID"] == "offgridflow")
        let patch = try JSONDecoder().decode(Value.self, from: Data((grafana.last?["body"]?.stringValue ?? "").utf8))
        #expect((patch["timeEnd"]?.intValue ?? 0) >= (patch["time"]?.intValue ?? .max))
        #expect((patch["tags"]?.listValue ?? []).contains("failed"))
        let slack = reqs.filter { $0["path"]?.stringValue?.hasPrefix("/services/") == true }
        #expect(slack.count == 2, "started and failed")
        let finished = try JSONDecoder().decode(Value.self, from: Data((slack.last?["body"]?.stringValue ?? "").utf8))
        let text = finished.jsonText()
        #expect(text.contains("exec.deploy") && text.contains(env) && text.contains("v2.0.1") && text.contains("reports/\(env)-3.html"))
        for r in reqs { secretsAbsent(r["body"]?.stringValue ?? "", "a request body") }
    }

    @Test func pushgatewayMetricsAreScrapedByPrometheus() async throws {
        let env = "ogf_records_\(UInt16.random(in: 0...UInt16.max))"
        let prom = try await OwnPrometheus(scraping: Servers.pushgateway)
        defer { prom.stop() }
        let s = try await Standins()
        let n = Notifier(config: config(s, grafana: false, slack: false, push: Servers.pushgateway), client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart(env))
        #expect(await n.finish(sampleEnd(environment: env)) == [])
        // Read back through Prometheus's query API once it has scraped the gateway.
        var result: [Value] = []
        let found = await waitFor(30) {
            guard let r = try? await prom.query("ogf_deploy_resources{environment=\"\(env)\",job=\"ogf\"}") else { return false }
            result = r
            return r.count == 5
        }
        #expect(found, "Prometheus never returned the pushed series")
        let failed = result.first { $0["metric"]?["outcome"] == "failed" }
        #expect(failed?["value"]?.listValue?.last == "1")
        let info = try await prom.query("ogf_release_info{environment=\"\(env)\"}")
        #expect(info.first?["metric"]?["version"] == "v2.0.1")
        let last = try await prom.query("ogf_deploy_last_timestamp_seconds{environment=\"\(env)\",outcome=\"failed\"}")
        #expect(last.count == 1)
        // Clean up the group.
        _ = try? await CurlHTTPClient().send(HTTPRequest(method: "DELETE", url: "\(Servers.pushgateway)/metrics/job/ogf/environment/\(env)"))
    }

    @Test func otlpSpansArriveWithParentsAndCICDAttributes() async throws {
        let env = "ogf_records_\(UInt16.random(in: 0...UInt16.max))"
        let s = try await Standins()
        let trace = TraceIDs.random()
        let n = Notifier(config: config(s, grafana: false, slack: false, otlp: Servers.otlp), client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart(env, trace: trace))
        #expect(await n.finish(sampleEnd(environment: env)) == [])
        let all = try json(try await get(Servers.jaeger + "/debug/spans")).listValue ?? []
        let spans = all.filter { $0["traceId"]?.stringValue == trace.traceID }
        #expect(spans.count == 4, "one run span and three resource spans")
        let root = try #require(spans.first { $0["spanId"]?.stringValue == trace.rootSpanID })
        #expect(root["name"] == .string("RUN deploy-\(env)"))
        #expect((root["parentSpanId"]?.stringValue ?? "").isEmpty)
        #expect(root["attributes"]?["cicd.pipeline.result"] == "failure")
        #expect(root["attributes"]?["cicd.pipeline.name"] == .string("deploy-\(env)"))
        #expect(root["attributes"]?["deployment.environment.name"] == .string(env))
        #expect(root["resource"]?["service.version"] == "v2.0.1")
        let children = spans.filter { $0["spanId"]?.stringValue != trace.rootSpanID }
        for c in children {
            #expect(c["parentSpanId"]?.stringValue == trace.rootSpanID)
            let name = c["name"]?.stringValue ?? ""
            #expect(c["spanId"]?.stringValue == trace.spanID(name), "the span id exec steps got in TRACEPARENT")
            #expect(c["attributes"]?["cicd.pipeline.task.name"] == .string(name))
        }
        let deploy = children.first { $0["name"] == "exec.deploy" }
        #expect(deploy?["attributes"]?["cicd.pipeline.task.run.result"] == "failure")
        #expect(children.first { $0["name"] == "exec.build" }?["attributes"]?["cicd.pipeline.task.run.result"] == "success")
        secretsAbsent(spans.map { $0.jsonText() }.joined(), "the spans")
    }

    @Test func emailGoesThroughSMTPWithAuthAndTwoParts() async throws {
        let env = "ogf_records_\(UInt16.random(in: 0...UInt16.max))"
        let s = try await Standins()
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: Servers.smtpMail)) ?? [])
        let n = Notifier(config: config(s, grafana: false, slack: false, smtp: "smtp://127.0.0.1:\(Servers.smtpPort)"), client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart(env))
        #expect(await n.finish(sampleEnd(environment: env)) == [])
        let new = Set((try? FileManager.default.contentsOfDirectory(atPath: Servers.smtpMail)) ?? []).subtracting(before).filter { $0.hasSuffix(".eml") }
        var mine: String?
        var envelope = ""
        for f in new {
            let text = (try? String(contentsOfFile: Servers.smtpMail + "/" + f, encoding: .utf8)) ?? ""
            if text.contains(env) {
                mine = text
                envelope = (try? String(contentsOfFile: Servers.smtpMail + "/" + f.replacingOccurrences(of: ".eml", with: ".json"), encoding: .utf8)) ?? ""
            }
        }
        let mail = try #require(mine, "no message for \(env) arrived")
        #expect(envelope.contains("\"user\": \"ogf-smtp\"") && envelope.contains("oncall@offgridflow.example"), "sent after AUTH: \(envelope)")
        #expect(mail.contains("Subject: [ogf] \(env): apply v2.0.1 failed"))
        #expect(mail.contains("multipart/alternative") && mail.contains("text/plain") && mail.contains("text/html"))
        secretsAbsent(mail, "the email")
    }

    @Test func wrongSMTPPasswordIsAWarning() async throws {
        let s = try await Standins()
        var c = config(s, grafana: false, slack: false, smtp: "smtp://127.0.0.1:\(Servers.smtpPort)")
        c.email?.password = SecretText("wrong-password-canary")
        let n = Notifier(config: c, client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart("ogf_records_smtp"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_smtp"))
        #expect(w.count == 1 && w[0].hasPrefix("email: smtp:"))
        #expect(!w.joined().contains("wrong-password-canary"))
    }
}

/// A Prometheus of the test's own on an ephemeral port, scraping one target every second.
final class OwnPrometheus: @unchecked Sendable {
    let child: Child
    let port: Int

    init(scraping target: String) async throws {
        let dir = tempDir()
        port = Int.random(in: 21000...29000)
        let host = target.replacingOccurrences(of: "http://", with: "")
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: pushgateway
            honor_labels: true
            static_configs: [{targets: ["\(host)"]}]
        """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        child = try Child(["prometheus", "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                           "--web.listen-address=127.0.0.1:\(port)"], output: dir + "/prometheus.log")
        let p = port
        guard await waitFor(20, { (try? await get("http://127.0.0.1:\(p)/-/ready"))?.status == 200 }) else {
            throw NotifyConfigError("Prometheus did not start; see \(dir)/prometheus.log")
        }
    }

    func query(_ q: String) async throws -> [Value] {
        let enc = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
        let v = try json(try await get("http://127.0.0.1:\(port)/api/v1/query?query=\(enc)"))
        return v["data"]?["result"]?.listValue ?? []
    }

    func stop() { child.stop() }
}
