import Foundation
import OGFCore
import OGFHTTP
import Testing
@testable import OGFNotify

/// A sink that is down, slow, rate-limited or failing never fails the run: it is a warning that
/// names the sink, after bounded retries, and says no secret.
@Suite(.serialized) struct FaultTests {
    func notifier(_ s: Standins, grafana: String? = nil, slack: String? = nil, timeout: Double = 2, deadline: Double = 15, clock: FakeClock = FakeClock()) -> Notifier {
        var c = NotifyConfig()
        c.timeout = timeout
        c.retries = 2
        c.deadline = deadline
        c.grafana = .init(url: grafana ?? s.base, token: SecretText(Canary.grafanaToken), dashboardUID: nil, tags: [])
        c.slack = .init(webhook: SecretText(slack ?? s.webhook), on: [.failed, .succeeded])
        return Notifier(config: c, client: CurlHTTPClient(), clock: clock)
    }

    func check(_ w: [String], names: [String]) {
        #expect(w.map { String($0.prefix { $0 != ":" }) } == names, "\(w)")
        for x in w { #expect(!x.contains(Canary.slackPath) && !x.contains(Canary.grafanaToken) && !x.contains("T0CANARY"), "\(x)") }
    }

    @Test func sinksDown() async throws {
        let s = try await Standins()
        let n = notifier(s, grafana: "http://127.0.0.1:9", slack: "http://127.0.0.1:9" + Canary.slackPath)
        n.start(runStart("ogf_records_down"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_down"))
        check(w, names: ["grafana", "slack"])
        #expect(w[1].contains("after 3 attempts"))
    }

    @Test func sinksAnswering500() async throws {
        let s = try await Standins()
        try await s.mode(grafana: "500", slack: "500")
        let n = notifier(s)
        n.start(runStart("ogf_records_500"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_500"))
        check(w, names: ["grafana", "slack"])
        #expect(w[1].contains("HTTP 500 rollup_error"))
    }

    @Test func sinksRateLimitedHonourRetryAfter() async throws {
        let s = try await Standins()
        try await s.mode(grafana: "429", slack: "429")
        let clock = FakeClock()
        let n = notifier(s, clock: clock)
        n.start(runStart("ogf_records_429"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_429"))
        #expect(w == [], "a single 429 is retried after Retry-After")
        #expect(clock.sleeps.contains(1.0))
        try await s.mode(grafana: "429-always", slack: "429-always")
        let n2 = notifier(s, clock: clock)
        n2.start(runStart("ogf_records_429"))
        check(await n2.finish(sampleEnd(environment: "ogf_records_429")), names: ["grafana", "slack"])
    }

    @Test func slowSinksTimeOut() async throws {
        let s = try await Standins()
        try await s.mode(grafana: "slow", slack: "slow")
        let n = notifier(s, timeout: 0.5)
        let t0 = Date()
        n.start(runStart("ogf_records_slow"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_slow"))
        check(w, names: ["grafana", "slack"])
        #expect(w.allSatisfy { $0.contains("timed out") })
        #expect(Date().timeIntervalSince(t0) < 5)
    }

    @Test func theDeadlineBoundsTheWait() async throws {
        let s = try await Standins()
        try await s.mode(grafana: "slow", slack: "slow")
        let n = notifier(s, timeout: 30, deadline: 1)
        let t0 = Date()
        n.start(runStart("ogf_records_deadline"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_deadline"))
        #expect(Date().timeIntervalSince(t0) < 4)
        check(w, names: ["grafana", "slack"])
    }

    @Test func pushgatewayOTLPAndEmailDownAreWarnings() async throws {
        var c = NotifyConfig()
        c.timeout = 1
        c.retries = 1
        c.pushgateway = .init(url: "http://127.0.0.1:9", job: "ogf")
        c.otlp = .init(endpoint: "http://127.0.0.1:9", headers: ["Authorization": SecretText(Canary.otlpAuth)], serviceName: "ogf")
        c.email = .init(smtp: SecretText("smtp://127.0.0.1:9"), from: "a@b.example", to: ["c@d.example"], on: [.failed], username: "u",
                        password: SecretText(Canary.smtpPassword))
        let n = Notifier(config: c, client: CurlHTTPClient(), clock: FakeClock())
        n.start(runStart("ogf_records_down2"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_down2"))
        check(w, names: ["email", "otlp", "pushgateway"])
        #expect(!w.joined().contains(Canary.otlpAuth) && !w.joined().contains(Canary.smtpPassword))
    }

    @Test func pushgatewayAnswering404IsAWarningAndNotRetried() async throws {
        // A wrong URL: the gateway answers 404, which is not retried.
        var c = NotifyConfig()
        c.retries = 2
        c.pushgateway = .init(url: Servers.pushgateway + "/nonexistent-prefix", job: "ogf")
        let clock = FakeClock()
        let n = Notifier(config: c, client: CurlHTTPClient(), clock: clock)
        n.start(runStart("ogf_records_404"))
        let w = await n.finish(sampleEnd(environment: "ogf_records_404"))
        check(w, names: ["pushgateway"])
        #expect(w.first?.contains("HTTP 404") == true, "\(w)")
        #expect(clock.sleeps.isEmpty, "a 404 is not retried")
    }
}
