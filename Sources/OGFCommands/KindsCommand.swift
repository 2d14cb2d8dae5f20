import ArgumentParser
import OGFCore
import OGFCatalogue

struct KindsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinds",
        abstract: "List the resource kinds, or show one kind's fields and outputs.",
        discussion: "--markdown prints the reference in docs/kinds.md (generated from the kinds' schemas, so it never drifts)."
    )

    @Argument(help: "A kind, e.g. exec or check_http.") var kind: String?
    @Flag(name: .customLong("markdown"), help: "Print the full reference as Markdown.") var markdown = false

    func run() async throws {
        let registry = KindCatalogue.registry()
        if markdown {
            Terminal.out(KindReference.markdown(registry))
            return
        }
        guard let kind else {
            let w = registry.names.map(\.count).max() ?? 0
            Terminal.out(registry.names.map { n in
                "\(n.padding(toLength: w, withPad: " ", startingAt: 0))  \(registry[n]!.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(registry[n]!.summary)\n"
            }.joined())
            return
        }
        guard let k = registry[kind] else {
            throw ValidationError("unknown kind \"\(kind)\".\(Suggestion.didYouMean(kind, registry.names))")
        }
        Terminal.out(KindReference.text(k))
    }
}

