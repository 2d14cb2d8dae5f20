import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFPlan
import OGFState

struct ChecklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Run the pre-flight checks and write the deployment checklist (YAML).",
        discussion: """
        Runs, in parallel, every gate and check of ENV that has a checklist name and is
        pre-flight (it depends on no backup, migration, image, rollout or step, and
        references no resource's outputs), and writes:

          environment: ENV
          timestamp: "2026-11-30T05:00:00Z"     (RFC 3339, UTC)
          checks:
            - name: database_connection
              status: passed                   (or failed)
              detail: "..."

        Checklist names: postgres_check database_connection, redis_check
        redis_connection, gate_registry docker_registry_auth, gate_kubernetes
        kubernetes_cluster_access, gate_aws aws_credentials_valid, gate_gcp
        gcp_credentials_valid, gate_azure azure_credentials_valid, gate_stripe
        stripe_keys_configured; any gate or check may set `checklist_name:` (the example
        sets jwt_secret_present on its gate_secret). Nothing else runs and state is
        neither read for changes nor written; secrets never appear in the file.
        Exit codes: 0 all passed; 1 a check failed or the configuration has errors.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write the YAML to FILE instead of standard output (and print one line per check).", valueName: "FILE"))
    var output: String?
    @Option(name: .customLong("check"), help: ArgumentHelp("Run only this checklist line (repeatable), e.g. --check aws_credentials_valid to retry one.", valueName: "NAME"))
    var checks: [String] = []

    func run() async throws {
        let ws = Workspace(global)
        let config = try ws.loadConfig(environment)
        var entries = Checklist.entries(config, ws.registry)
        if !checks.isEmpty {
            let known = Set(entries.map(\.name))
            if let unknown = checks.first(where: { !known.contains($0) }) {
                throw ws.fail("--check \(unknown): \(environment) has no pre-flight check of that name.\(Suggestion.didYouMean(unknown, known.sorted()))",
                              detail: "Its checklist: \(known.sorted().joined(separator: ", ")).")
            }
            entries = entries.filter { checks.contains($0.name) }
        }
        let variables = ws.variables(config)
        // A hasher of its own: outputs are not recorded, so the state's salt is not needed.
        let context = ws.context(config, variables, hasher: SecretHasher(salt: SecretHasher.randomSalt()))
        var diags: [Diagnostic] = []
        let vars = Evaluator.resolveVariables(config.variables, environment: variables, envFile: config.envFile, diagnostics: &diags)
        let resolver = ResourceResolver(registry: ws.registry, evaluator: Evaluator(variables: vars, environment: variables, envFile: config.envFile))
        let registry = ws.registry
        let started = Date()
        let results = await withTaskGroup(of: (Int, Bool, String).self) { group in
            for (i, e) in entries.enumerated() {
                var problems: [Diagnostic] = []
                let fields = resolver.resolve(config.resources[e.address]!, diagnostics: &problems)
                let firstError = problems.first { $0.severity == .error }
                group.addTask {
                    if let p = firstError { return (i, false, context.redact(p.summary)) }
                    let request = ApplyRequest(address: e.address, config: fields, prior: nil, action: .check, context: context,
                                               progress: { Terminal.err("\(e.name): \(context.redact($0))\n") })  // retries, on stderr
                    do {
                        let r = try await registry[e.address.kind]!.apply(request)
                        return (i, true, context.redact(r.summary ?? "passed"))
                    } catch let f as ResourceFailure {
                        return (i, false, context.redact(f.message))
                    } catch let d as Diagnostic {
                        return (i, false, context.redact("\(d.field.map { "\($0): " } ?? "")\(d.summary)"))
                    } catch {
                        return (i, false, context.redact("\(error)"))
                    }
                }
            }
            var out: [(Int, Bool, String)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        let merged = Checklist.merge(results.map { (entries[$0.0], passed: $0.1, detail: $0.2) })
        let text = Checklist.yaml(environment: config.name, timestamp: started, results: merged)
        if let output {
            let path = output.hasPrefix("/") ? output : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(output)
            do { try AtomicFile.write(Data(text.utf8), to: path) } catch { throw ws.fail("cannot write \(output): \(error)") }
            let style = TextStyle(color: ws.terminal.color)
            let w = merged.map(\.name.count).max() ?? 0
            var lines = ""
            for r in merged {
                let mark = r.passed ? style.green("passed") : style.red("failed")
                lines += "  \(r.name.padding(toLength: w, withPad: " ", startingAt: 0))  \(mark)  \(r.detail)\n"
            }
            let failed = merged.filter { !$0.passed }.count
            lines += "\(merged.count) check\(merged.count == 1 ? "" : "s"), \(failed) failed, in \(DurationText.format(Date().timeIntervalSince(started))); written to \(output)\n"
            Terminal.out(lines)
        } else {
            Terminal.out(text)
        }
        if entries.isEmpty { Terminal.err("warning: \(environment) has no pre-flight gate or check with a checklist name\n") }
        if merged.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
