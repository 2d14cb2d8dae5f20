import ArgumentParser
import OGFRecords
import OGFState

struct ForceUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-unlock",
        abstract: "Remove an environment's state lock by its id.",
        discussion: "Use only when the holder is stuck or gone: the lock error prints the id. A lock left by a process that died is released by the operating system on its own; you rarely need this."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The environment.") var environment: String
    @Argument(help: "The lock id, as printed by the lock error.") var lockID: String

    func run() async throws {
        let ws = Workspace(global)
        do {
            let info = try StateLock.forceUnlock(directory: ws.stateDirectory, environment: environment, id: lockID)
            Terminal.out("Removed the lock on \(environment) held by \(info.summary).\n")
            ws.audit(environment, AuditDraft(command: "force-unlock \(lockID)", outcome: "succeeded", detail: "lock held by \(info.summary)"))
        } catch {
            ws.audit(environment, AuditDraft(command: "force-unlock \(lockID)", outcome: "failed", detail: "\(error)"))
            throw ws.fail("\(error)")
        }
    }
}
