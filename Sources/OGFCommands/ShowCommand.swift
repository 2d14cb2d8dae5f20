import ArgumentParser
import OGFPlan
import OGFState

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Render a saved plan as text, JSON or Markdown.",
        discussion: "--markdown is for pull-request comments: the summary line first, each resource in a collapsible section, kept under 60,000 characters (a note says how to see the rest). Reading a plan needs no configuration, state or secrets."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A plan file saved with `ogf plan ENV -out FILE`.") var planFile: String
    @Flag(name: .customLong("json"), help: "JSON (docs/json-format.md).") var json = false
    @Flag(name: .customLong("markdown"), help: "Markdown for a pull-request comment.") var markdown = false

    func validate() throws {
        if json && markdown { throw ValidationError("choose one of --json and --markdown") }
    }

    func run() async throws {
        let ws = Workspace(global)
        let plan: Plan
        do {
            plan = try PlanFile.read(planFile)
        } catch {
            throw ws.fail("\(error)")
        }
        if json {
            Terminal.out(JSONRenderer().render(plan))
        } else if markdown {
            Terminal.out(MarkdownRenderer().render(plan, planFile: planFile))
        } else {
            Terminal.out(TextRenderer(style: TextStyle(color: ws.terminal.color)).render(plan))
        }
    }
}
