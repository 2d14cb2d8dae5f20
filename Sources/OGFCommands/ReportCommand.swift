import ArgumentParser
import Foundation
import OGFRecords

/// `ogf report ENV [RUN] --format md|html|json`: a past run's deployment report.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the deployment report of an apply or rollback (the latest, or run RUN).",
        discussion: """
        Every apply and rollback saves its record in state/ENV.records/RUN.json (RUN is
        the history id `ogf state show ENV` prints). The report says who ran what,
        where and when, the plan, each resource's outcome, timing and what changed
        (image digests, schema versions and migrations, backups, Kubernetes objects),
        each check's evidence, overrides, rollbacks and telemetry warnings.
          --format md    Markdown (default), for pull requests and CI summaries
          --format html  one self-contained page: the apply as a timeline (a bar
                         per resource, critical path dark, failures red) and
                         evidence charts; inline SVG, no script, opens offline
          --format json  the record itself (docs/records.md)
        With `records.report_dir` set, all three are also written there after each run.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Argument(help: ArgumentHelp("The run (history id); the latest when left out.", valueName: "run")) var runID: Int?
    @Option(name: .customLong("format"), help: "md, html or json.") var format: String = "md"
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard ReportFormat(rawValue: format) != nil else { throw ValidationError("--format must be md, html or json, not \(format)") }
    }

    func run() async throws {
        let ws = Workspace(global)
        let store = ws.recordStore(environment)
        let runs = store.runs()
        guard let id = runID ?? runs.last else {
            throw ws.fail("no report for \(environment) yet", detail: "Reports are recorded by `ogf apply` and `ogf rollback` (state/\(environment).records/).")
        }
        let record: DeployRecord
        do { record = try store.load(id) } catch {
            throw ws.fail("no report for run \(id) of \(environment)", detail: runs.isEmpty ? "No run has a report yet." : "Runs with a report: \(runs.map(String.init).joined(separator: ", ")).")
        }
        let text = ReportFormat(rawValue: format)!.render(record)
        if let output {
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch { throw ws.fail("cannot write \(output): \(error)") }
        } else {
            Terminal.out(text)
        }
    }
}
