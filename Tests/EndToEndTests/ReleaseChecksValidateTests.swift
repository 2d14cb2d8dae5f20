import Foundation
import Testing

/// check_http flows and check_traces: configuration mistakes are placed at FILE:LINE:COLUMN
/// before anything runs (`ogf plan`; `validate` checks the schema only).
@Suite struct ReleaseChecksValidateTests {
    @Test func flowAndTraceMistakesArePlacedAtTheirFields() async throws {
        let p = try Project(["environments/rc.yaml": """
        resources:
          check_http.login:
            url: http://127.0.0.1:1/health
            flow:
              - url: /api/v1/login
                method: POST
                capture:
                  token: {json: token}
              - url: /api/v1/me
                headers:
                  Authorization: "Bearer {{tokn}}"
          check_http.burst:
            url: http://127.0.0.1:1/health
            rate_limit:
              requests: 1
          check_traces.release:
            service: api
            version: "1.0"
        """])
        let r = try await p.run("plan", "rc")
        #expect(r.code == 1, "\(r.all)")
        #expect(r.err.contains("environments/rc.yaml:11:26: error: check_http.login.flow[1].headers.Authorization: "), "\(r.err)")
        #expect(r.err.contains("{{tokn}} is not captured by any earlier flow step; captured: {{token}}"), "\(r.err)")
        #expect(r.err.contains("environments/rc.yaml:15:17: error: check_http.burst.rate_limit.requests: "), "\(r.err)")
        #expect(r.err.contains("the burst is 2 to 10000 requests, not 1"), "\(r.err)")
        #expect(r.err.contains("environments/rc.yaml:16:3: error: check_traces.release.jaeger: "), "\(r.err)")
        #expect(r.err.contains("give the trace backend: jaeger: (its query URL) or tempo: (its URL)"), "\(r.err)")
    }
}
