import ArgumentParser
import OGFConfig
import OGFRecords
import OGFState

struct ForceUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-unlock",
        abstract: "Remove an environment's state lock by its id.",
        discussion: """
        Use only when the holder is stuck or gone: the lock error prints the id. A lock left by a
        process that died is released on its own (by the operating system for state/ENV.json, by
        the server ending its session for the postgres backend); you rarely need this. With the
        postgres backend this also ends the holder's database session, so a hung holder can no
        longer write.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Argument(help: "The lock id, as printed by the lock error.") var lockID: String

    func run() async throws {
        let ws = Workspace(global)
        // Without an environment file (removed since), the lock can only be state/ENV.lock.
        let hasConfig = ConfigLoader(root: ws.root, registry: ws.registry).availableEnvironments().contains(environment)
        let backend: any StateBackend = hasConfig ? try ws.stateBackend(environment) : FileStateBackend(directory: ws.stateDirectory, environment: environment)
        do {
            let info = try await backend.forceUnlock(id: lockID)
            Terminal.out("Removed the lock on \(environment) held by \(info.summary).\n")
            ws.audit(environment, AuditDraft(command: "force-unlock \(lockID)", outcome: "succeeded", detail: "lock held by \(info.summary)"))
        } catch {
            ws.audit(environment, AuditDraft(command: "force-unlock \(lockID)", outcome: "failed", detail: "\(error)"))
            throw ws.fail("\(error)")
        }
    }
}
