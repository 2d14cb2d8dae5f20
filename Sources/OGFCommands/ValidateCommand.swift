import ArgumentParser
import OGFConfig
import OGFCore
import OGFPlan

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an environment's configuration without touching anything.",
        discussion: "Reads environments/ENV.yaml, its includes and env file; checks YAML, keys, types, references and the dependency graph, and what kinds can check in the files they name (Kubernetes manifests: YAML, apiVersion/kind/metadata.name, ${values.X}; migrations: the folder's layout, unterminated statements, unknown or unexplained -- ogf: directives; postgres_schema's backup reference). Reports every problem as FILE:LINE:COLUMN: error: ... and exits 1 if there is any. Needs no environment variables, servers or state."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment: environments/ENV.yaml.") var environment: String

    func run() async throws {
        let ws = Workspace(global)
        let (config, _) = try ws.loadGraph(environment)
        let diags = Diagnostics(Self.kindDiagnostics(config, ws))
        ws.report(diags)
        if diags.hasErrors { throw ws.failure(diags) }
        Terminal.out("The configuration of \(environment) is valid: \(config.resources.count) resource\(config.resources.count == 1 ? "" : "s") in \(config.inputFiles.count) file\(config.inputFiles.count == 1 ? "" : "s").\n")
    }

    /// What kinds that can (`ValidatingKind`) find in each resource, its fields resolved without
    /// the environment: secrets, environment variables and outputs stay unknown.
    static func kindDiagnostics(_ config: EnvironmentConfig, _ ws: Workspace) -> [Diagnostic] {
        var reported: [Diagnostic] = []  // loadGraph has reported configuration problems already
        let variables = Evaluator.resolveVariables(config.variables, environment: nil, envFile: config.envFile, diagnostics: &reported)
        let resolver = ResourceResolver(registry: ws.registry, evaluator: Evaluator(variables: variables, environment: nil, envFile: config.envFile))
        let context = KindContext(environment: config.name, isProtected: config.isProtected, projectRoot: ws.root, variables: [:])
        var out: [Diagnostic] = []
        for address in config.sortedAddresses {
            guard let rc = config.resources[address], let kind = ws.registry[address.kind] as? any ValidatingKind else { continue }
            let fields = resolver.resolve(rc, diagnostics: &reported)
            out += kind.validate(fields, context: context).map { d in
                var d = d
                if d.field != nil {
                    d = d.placed(in: rc)  // a field's problem at that field
                } else {
                    d.summary = "\(address): \(d.summary)"
                    if d.location == nil { d.location = rc.location }
                }
                // Relative to the project, like the configuration's own diagnostics.
                if let file = d.location?.file, file.hasPrefix(ws.root + "/") { d.location?.file = String(file.dropFirst(ws.root.count + 1)) }
                return d
            }
        }
        return out
    }
}
