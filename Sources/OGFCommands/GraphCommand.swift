import ArgumentParser
import OGFPlan

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the dependency graph as Graphviz DOT.",
        discussion: "Edges point from a resource to what it depends on. Render with: ogf graph production | dot -Tsvg > graph.svg"
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String

    func run() async throws {
        let ws = Workspace(global)
        let (_, graph) = try ws.loadGraph(environment)
        let kinds = ws.registry
        Terminal.out(graph.dot { a in
            "\(a)\\n(\(kinds[a.kind]?.role.rawValue ?? "resource"))"
        })
    }
}
