import Foundation
import OGFCore
import OGFRecords
import OGFState

/// Report generation for a 1,000-resource apply: the record built (critical path included) and
/// rendered as Markdown, HTML (timeline of 1,000 bars) and JSON. Goal: under 200 ms.
func benchRecords(runs: Int) async throws {
    let n = 1000
    let width = 50
    var steps: [DeployRecordBuilder.Step] = []
    var outputs: [ResourceAddress: [String: Value]] = [:]
    for i in 0..<n {
        let a = ResourceAddress(parsing: "exec.r\(i)")!
        let layer = i / width
        let deps = layer == 0 ? [] : [ResourceAddress(parsing: "exec.r\((layer - 1) * width + i % width)")!, ResourceAddress(parsing: "exec.r\((layer - 1) * width + (i + 1) % width)")!]
        steps.append(.init(address: a, action: i % 10 == 0 ? "check" : "create", outcome: i == 777 ? .failed : .succeeded, start: Double(layer) * 0.5 + Double(i % 7) * 0.01,
                           duration: 0.4 + Double(i % 5) * 0.02, message: i == 777 ? "exit 1" : nil, summary: "ok", dependsOn: deps,
                           changes: ["command: [\"true\"] → [\"true\", \"\(i)\"]"]))
        outputs[a] = ["exit_code": 0, "output_tail": .string("line \(i)\n"), "latency_ms": ["p50": .double(Double(i % 13)), "p99": .double(Double(i % 31))],
                      "samples": .list((0..<10).map { .double(Double(($0 * i) % 17)) })]
    }
    let h = HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 1_764_480_000), finishedAt: Date(timeIntervalSince1970: 1_764_480_011),
                         outcome: .failed, planHash: "bench", user: "bench", host: "bench")
    print("## report generation, \(n) resources (record + md + html + json)")
    var times: [Double] = []
    var phases: [String: [Double]] = [:]
    var sizes = (0, 0, 0)
    for _ in 0..<runs {
        var record: DeployRecord?
        var md = "", html = "", json = ""
        let t = try await seconds {
            phases["record", default: []].append(await seconds {
                record = DeployRecordBuilder().build(history: h, environment: "bench", release: "v1", planSummary: "Plan: 1000 to add.", steps: steps,
                                                     outputs: outputs, rollbackTo: nil, policyOverride: nil)
            })
            phases["md", default: []].append(await seconds { md = ReportFormat.md.render(record!) })
            phases["html", default: []].append(await seconds { html = ReportFormat.html.render(record!) })
            phases["json", default: []].append(await seconds { json = ReportFormat.json.render(record!) })
        }
        sizes = (md.utf8.count, html.utf8.count, json.utf8.count)
        times.append(t)
    }
    print(String(format: "  median %.3f s (min %.3f, max %.3f; goal < 0.200 s); md %d KB, html %d KB, json %d KB", median(times), times.min()!, times.max()!,
                 sizes.0 / 1024, sizes.1 / 1024, sizes.2 / 1024))
    print("  medians by phase: " + ["record", "md", "html", "json"].map { String(format: "%@ %.3f s", $0, median(phases[$0]!)) }.joined(separator: ", "))
}
