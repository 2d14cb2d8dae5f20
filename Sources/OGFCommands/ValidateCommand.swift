import ArgumentParser
import OGFPlan

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an environment's configuration without touching anything.",
        discussion: "Reads environments/ENV.yaml, its includes and env file; checks YAML, keys, types, references and the dependency graph. Reports every problem as FILE:LINE:COLUMN: error: ... and exits 1 if there is any. Needs no environment variables, servers or state."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String

    func run() async throws {
        let ws = Workspace(global)
        let (config, _) = try ws.loadGraph(environment)
        Terminal.out("The configuration of \(environment) is valid: \(config.resources.count) resource\(config.resources.count == 1 ? "" : "s") in \(config.inputFiles.count) file\(config.inputFiles.count == 1 ? "" : "s").\n")
    }
}
