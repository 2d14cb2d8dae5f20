import OGFConfig
import OGFCore
import Testing

@Suite struct RecordsConfigTests {
    @Test func recordsAndNotifyLoad() throws {
        let (config, diags) = load(["environments/test.yaml": """
        variables: {grafana_url: "http://127.0.0.1:3000"}
        records: {report_dir: reports/test, status_page: public/status, report_url: "https://ci.example/r"}
        notify:
          grafana: {url: "${var.grafana_url}", token: "${secret.GRAFANA_TOKEN}", tags: [deploy]}
          slack: {webhook: "${secret.SLACK_WEBHOOK_URL}", on: [failed]}
          timeout: 3s
        resources: {}
        """])
        #expect(!diags.hasErrors, "\(lines(diags))")
        #expect(config?.records?.reportDir == "reports/test")
        #expect(config?.records?.statusPage == "public/status")
        #expect(config?.records?.reportURL == "https://ci.example/r")
        let secrets = (config?.notify?.references ?? []).compactMap { r, _ -> String? in if case .secret(let n) = r { return n } else { return nil } }
        #expect(Set(secrets) == ["GRAFANA_TOKEN", "SLACK_WEBHOOK_URL"])
    }

    @Test func unknownKeysAreErrorsAtTheirPosition() {
        let (_, diags) = load(["environments/test.yaml": """
        records: {report_dri: x}
        notify:
          slak: {webhook: x}
        resources: {}
        """])
        let l = lines(diags)
        #expect(l.contains { $0.hasPrefix("environments/test.yaml:1:11: error: records.report_dri: unknown key") }, "\(l)")
        #expect(l.contains { $0.hasPrefix("environments/test.yaml:3:3: error: notify.slak: unknown key") }, "\(l)")
    }
}
