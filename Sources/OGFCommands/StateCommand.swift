import ArgumentParser
import Foundation
import OGFCore
import OGFPlan
import OGFState

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Inspect recorded state.",
        subcommands: [StateListCommand.self, StateShowCommand.self, StateMigrateCommand.self]
    )
}

/// Loads state for reading, journal included, without taking the lock, from whichever backend
/// the environment uses.
func readState(_ ws: Workspace, _ env: String) async throws -> StateFile {
    let found: StateFile?
    do { found = try await ws.loadState(env) } catch let e as ExitCode { throw e } catch { throw ws.fail("\(error)") }
    guard let state = found else {
        let location = (try? ws.stateBackend(reading: env).location) ?? "state/\(env).json"
        throw ws.fail("no state for \(env) yet (\(location) holds none)", detail: "It is created by the first `ogf apply`.")
    }
    return state
}

struct StateListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the resources recorded in state, one address a line.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String

    func run() async throws {
        let ws = Workspace(global)
        let state = try await readState(ws, environment)
        Terminal.out(state.resources.keys.sorted().map { "\($0)\n" }.joined())
    }
}

struct StateShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show recorded state: a summary with history, or one resource's attributes and outputs.",
        discussion: "Sensitive values are stored and shown only as (sensitive). With --json, the resource or the whole state as JSON."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Argument(help: "A resource address, e.g. exec.integration_tests.") var address: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false
    @Option(name: .customLong("history"), help: "How many history entries to show.") var historyCount = 10

    func run() async throws {
        let ws = Workspace(global)
        let state = try await readState(ws, environment)
        let style = TextStyle(color: ws.terminal.color)
        let iso = ISO8601DateFormatter()
        if let address {
            guard let a = ResourceAddress(parsing: address), let r = state.resources[a] else {
                throw ws.fail("\(address) is not in the state of \(environment).\(Suggestion.didYouMean(address, state.resources.keys.map(\.description)))")
            }
            if json {
                Terminal.out(Self.resourceValue(a, r, iso).jsonText() + "\n")
                return
            }
            var out = "# \(a)\n"
            out += "status       = \(r.status == .ready ? style.green(r.status.rawValue) : style.red(r.status.rawValue))\n"
            if let f = r.lastFailure {
                out += "last_failure = \(iso.string(from: f.at)): \(style.red(f.message))\n"
            }
            out += "applied_at   = \(iso.string(from: r.appliedAt)) (ogf \(r.ogfVersion)\(r.durationMs.map { ", took \(DurationText.format(Double($0) / 1000))" } ?? ""))\n"
            if !r.dependencies.isEmpty { out += "depends_on   = [\(r.dependencies.map(\.description).joined(separator: ", "))]\n" }
            out += "\nattributes:\n"
            let w = r.attributes.keys.map(\.count).max() ?? 0
            for k in r.attributes.keys.sorted() { out += "  \(k.padding(toLength: w, withPad: " ", startingAt: 0)) = \(r.attributes[k]!)\n" }
            out += Self.outputsText(r.outputs, title: r.lastFailure == nil ? "outputs" : "outputs (last known good; references resolve to these)")
            if let f = r.lastFailure { out += Self.outputsText(f.outputs, title: "outputs of the failed apply") }
            Terminal.out(out)
            return
        }
        if json {
            var resources: [String: Value] = [:]
            for (a, r) in state.resources { resources[a.description] = Self.resourceValue(a, r, iso) }
            let history: [Value] = state.history.map { h in
                .map(["id": .int(h.id), "operation": .string(h.operation), "started_at": .string(iso.string(from: h.startedAt)),
                      "finished_at": h.finishedAt.map { .string(iso.string(from: $0)) } ?? .null, "outcome": .string(h.outcome.rawValue),
                      "plan_hash": .string(h.planHash), "user": .string(h.user), "host": .string(h.host), "ogf_version": .string(h.ogfVersion),
                      "succeeded": .int(h.succeeded), "failed": .list(h.failed.map(Value.string)), "skipped": .int(h.skipped),
                      "policy_override": h.policyOverride.map { o in
                          .map(["reason": .string(o.reason), "user": .string(o.user), "host": .string(o.host),
                                "at": .string(iso.string(from: o.at)), "blocked": .string(o.blocked)])
                      } ?? .null,
                      "trigger": h.trigger.map { t in
                          .map(["watch": .string(t.watch), "trigger": .string(t.trigger), "reason": .string(t.reason),
                                "evidence": .list(t.evidence.map(Value.string)), "rollback": .list(t.rollback.map(Value.string))])
                      } ?? .null,
                      "releases": .list((h.releases ?? []).map { r in
                          .map(["address": .string(r.address), "release": .int(r.release), "version": r.version.map(Value.string) ?? .null,
                                "images": .map(r.images.mapValues(Value.string))])
                      })])
            }
            Terminal.out(Value.map(["environment": .string(state.environment), "lineage": .string(state.lineage), "serial": .int(state.serial),
                                    "resources": .map(resources), "history": .list(history)]).jsonText() + "\n")
            return
        }
        var out = "Environment \(style.bold(environment)): serial \(state.serial), lineage \(state.lineage)\n\n"
        out += "Resources (\(state.resources.count)):\n"
        let w = state.resources.keys.map(\.description.count).max() ?? 0
        for a in state.resources.keys.sorted() {
            let r = state.resources[a]!
            let status = r.status == .ready ? style.green("ready  ") : style.red("tainted")
            out += "  \(a.description.padding(toLength: w, withPad: " ", startingAt: 0))  \(status)  \(iso.string(from: r.appliedAt))\n"
        }
        out += "\nHistory (latest \(min(historyCount, state.history.count)) of \(state.history.count)):\n"
        for h in state.history.suffix(historyCount).reversed() {
            let outcome = h.outcome == .running ? "did not finish (killed or crashed)" : h.outcome.rawValue
            let colored = h.outcome == .succeeded ? style.green(outcome) : style.red(outcome)
            var line = "  #\(h.id)  \(iso.string(from: h.startedAt))  \(h.operation)  \(colored)  by \(h.user)@\(h.host)"
            line += "  \(h.succeeded) ok"
            if !h.failed.isEmpty { line += ", failed: \(h.failed.joined(separator: ", "))" }
            if h.skipped > 0 { line += ", \(h.skipped) skipped" }
            if let o = h.policyOverride { line += "\n      " + style.yellow("deploy policy overridden by \(o.user)@\(o.host): \(o.reason)") }
            if let t = h.trigger { line += "\n      " + style.yellow("automatic: \(t.watch) trigger \(t.trigger) fired: \(t.reason)") }
            for r in h.releases ?? [] {
                line += "\n      released \(r.address) #\(r.release)" + (r.version.map { " (\($0))" } ?? "")
                for k in r.images.keys.sorted() { line += "\n        \(k) \(r.images[k]!)" }
            }
            out += line + "\n"
        }
        Terminal.out(out)
    }

    static func resourceValue(_ a: ResourceAddress, _ r: ResourceState, _ iso: ISO8601DateFormatter) -> Value {
        .map(["address": .string(a.description), "kind": .string(r.kind), "status": .string(r.status.rawValue),
              "last_failure": r.lastFailure.map { f in .map(["message": .string(f.message), "at": .string(iso.string(from: f.at)), "outputs": .map(f.outputs)]) } ?? .null,
              "attributes": .map(r.attributes), "outputs": .map(r.outputs), "sensitive_paths": .list(r.sensitivePaths.map(Value.string)),
              "dependencies": .list(r.dependencies.map { .string($0.description) }), "applied_at": .string(iso.string(from: r.appliedAt)),
              "ogf_version": .string(r.ogfVersion), "duration_ms": r.durationMs.map(Value.int) ?? .null])
    }

    static func outputsText(_ outputs: [String: Value], title: String) -> String {
        guard !outputs.isEmpty else { return "" }
        var out = "\n\(title):\n"
        let w = outputs.keys.map(\.count).max() ?? 0
        for k in outputs.keys.sorted() {
            let v = outputs[k]!
            if case .string(let s) = v, s.contains("\n") {
                out += "  \(k.padding(toLength: w, withPad: " ", startingAt: 0)) =\n" + s.split(separator: "\n", omittingEmptySubsequences: false).map { "    │ \($0)\n" }.joined()
            } else {
                out += "  \(k.padding(toLength: w, withPad: " ", startingAt: 0)) = \(v)\n"
            }
        }
        return out
    }
}
