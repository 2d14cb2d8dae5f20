import ArgumentParser
import Foundation
import OGFCore
import OGFDatabase
import OGFKubernetes
import OGFState

/// `ogf rollback ENV --to VERSION`: returns the Kubernetes workloads to a release recorded in
/// state (manifests and image digests), refusing to cross a `-- ogf:breaking` migration.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Return the Kubernetes workloads to a release recorded in state.",
        discussion: "VERSION is a release's version label (the k8s_manifest `version` field, e.g. ${var.release}) or its release number. "
            + "Each k8s_manifest resource that recorded that release gets its manifests and image digests back; schema changes are not reverted. "
            + "A release that ran against a schema older than a migration marked `-- ogf:breaking` is refused unless --force: "
            + "the old code cannot run against the new schema."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Option(name: .customLong("to"), help: ArgumentHelp("The release to return to: its version label or release number.", valueName: "VERSION"))
    var version: String
    @Flag(name: .customLong("force"), help: "Roll back even across a breaking migration.") var force = false
    @Flag(name: [.customLong("auto-approve"), .customLong("auto-approve", withSingleDash: true)], help: "Roll back without asking for confirmation.")
    var autoApprove = false
    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Wait this long for another ogf to release the state lock.", valueName: "DURATION"))
    var lockTimeout: String = "0s"

    func run() async throws {
        let ws = Workspace(global)
        let config = try ws.loadConfig(environment)
        let (lock, state) = try ws.lockAndRecover(environment, operation: "rollback --to \(version)", timeout: try parseDuration(lockTimeout, flag: "--lock-timeout", ws))
        defer { lock.release() }

        let manifests = state.resources.filter { $0.key.kind == "k8s_manifest" }.sorted { $0.key.description < $1.key.description }
        let targets = manifests.compactMap { addr, rs in Releases.find(rs.outputs, version: version).map { (addr, rs, $0) } }
        guard !targets.isEmpty else {
            let known = Set(manifests.flatMap { Releases.versions($0.value.outputs) }).sorted()
            throw ws.fail("no release \(version) is recorded for \(environment)", detail: known.isEmpty ? "No k8s_manifest release is recorded yet." : "Recorded: \(known.joined(separator: ", ")).")
        }

        // The breaking-migration guard.
        let targetSchema = targets.compactMap { $0.2["schema_version"]?.intValue }.min()
        var crossing: [String] = []
        if let targetSchema {
            for (addr, rs) in state.resources where addr.kind == "postgres_schema" {
                guard let current = rs.outputs["version"]?.intValue, current > targetSchema,
                      let folder = rs.attributes["migrations"]?.stringValue,
                      let (migrations, _) = try? MigrationFolder.read(folder, root: ws.root) else { continue }
                for m in migrations.migrations where m.version > targetSchema && m.version <= current && m.directives.breaking {
                    crossing.append("\(addr): \(m.fileName) (-- ogf:breaking)")
                }
            }
        }

        var out = "Rollback of \(environment) to release \(version):\n"
        for (addr, rs, release) in targets {
            let now = rs.outputs["images"]?.mapValue ?? [:]
            let then = release["images"]?.mapValue ?? [:]
            out += "  ~ \(addr): release \(rs.outputs["release"]?.intValue ?? 0) → \(release["release"]?.intValue ?? 0)"
                + (release["version"]?.stringValue.map { " (\($0))" } ?? "") + "\n"
            for w in Set(now.keys).union(then.keys).sorted() where now[w] != then[w] {
                out += "      \(w): \(now[w]?.jsonText(pretty: false) ?? "none") → \(then[w]?.jsonText(pretty: false) ?? "none")\n"
            }
        }
        if let targetSchema { out += "  Release \(version) ran against schema version \(targetSchema); schema changes are not reverted.\n" }
        Terminal.out(out)
        if !crossing.isEmpty {
            let detail = "Migrations applied since then that the old code cannot run against:\n  " + crossing.joined(separator: "\n  ")
            if !force {
                throw ws.fail("refusing to roll back to \(version) across a breaking migration", detail: detail + "\nPass --force to roll back anyway.")
            }
            Terminal.out("Rolling back across a breaking migration (--force):\n  \(crossing.joined(separator: "\n  "))\n")
        }
        if !autoApprove {
            guard ws.terminal.stdinIsTTY else { throw ws.fail("refusing to roll back without confirmation", detail: "stdin is not a terminal: pass --auto-approve.") }
            Terminal.out("\nRoll back \(environment) to \(version)? Only 'yes' will be accepted: ")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                Terminal.out("Rollback cancelled.\n")
                throw ExitCode(1)
            }
        }

        let writer: StateWriter
        do { writer = try StateWriter(store: ws.store(environment), state: state) } catch { throw ws.fail("\(error)") }
        let started = Date()
        let historyID = (state.history.map(\.id).max() ?? 0) + 1
        var history = HistoryEntry(id: historyID, operation: "rollback --to \(version)", startedAt: started, outcome: .running, planHash: "",
                                   user: ProcessInfo.processInfo.environment["USER"] ?? "unknown", host: ProcessInfo.processInfo.hostName)
        try? writer.record(history)
        let variables = ws.variables(config)
        let context = ws.context(config, variables, hasher: state.hasher)
        guard let kind = ws.registry["k8s_manifest"] as? K8sManifestKind else { throw ws.fail("the k8s_manifest kind is not registered") }
        var failed: [String] = []
        for (addr, rs, release) in targets {
            do {
                let outputs = try await kind.restore(release, prior: rs, context: context) { Terminal.out("\(addr): \($0)\n") }
                var next = rs
                next.outputs = outputs
                next.status = .ready
                next.lastFailure = nil
                next.appliedAt = Date()
                try writer.put(addr, next)
                Terminal.out("\(addr): rolled back to \(version)\n")
            } catch {
                failed.append(addr.description)
                Terminal.out("\(addr): rollback failed: \(context.redact("\(error)"))\n")
            }
        }
        history.finishedAt = Date()
        history.outcome = failed.isEmpty ? .succeeded : .failed
        history.succeeded = targets.count - failed.count
        history.failed = failed
        try? writer.record(history)
        _ = try? writer.finish()
        if !failed.isEmpty { throw ExitCode(1) }
        Terminal.out("\nRollback complete: \(targets.count) resource\(targets.count == 1 ? "" : "s") at \(version).\n")
    }
}
