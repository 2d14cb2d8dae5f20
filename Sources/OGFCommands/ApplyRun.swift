import ArgumentParser
import Foundation
import OGFApply
import OGFConfig
import OGFCore
import OGFGraph
import OGFPlan
import OGFState
import OGFStatePostgres

/// Carries out a reviewed plan — an apply or a rollback — with the same view, progress lines,
/// interrupt handling, state recording and history. Shared by `apply` and `rollback`.
struct ApplyRun {
    let ws: Workspace
    let parallelism: Int
    let options: RunOptions
    /// Telemetry sinks on (false: `--no-notify`).
    var notify = true
    /// What the history entry, records and audit log call this run (`ogf watch`: "watch");
    /// nil: the plan's operation.
    var operationLabel: String?

    func execute(plan: Plan, config: EnvironmentConfig, variables: [String: String], state: StateFile,
                 backend: any StateBackend, lock: any StateLease) async throws {
        let writer: any StateRecorder
        do {
            writer = try await backend.recorder(for: state, under: lock)
        } catch {
            throw ws.fail("\(error)")
        }
        let style = TextStyle(color: ws.terminal.color)
        let total = plan.changes.filter { $0.action != .noop }.count
        let view = ApplyView(style: style, live: ws.terminal.stdoutIsTTY && ws.terminal.stderrIsTTY && ws.terminal.color, total: total)
        let control = WalkControl()
        let context = ws.context(config, variables, hasher: state.hasher, options: options)
        let records = RunRecords(ws: ws, config: config, plan: plan, variables: variables, notify: notify, operation: operationLabel)
        let applier = {
            var a = Applier(plan: plan, config: config, registry: ws.registry, environment: variables, context: context,
                            writer: writer, parallelism: parallelism, hooks: view, control: control)
            a.traceParent = records.traceParent
            return a
        }()
        records.start(run: (state.history.map(\.id).max() ?? 0) + 1)
        let operation = operationLabel ?? plan.operation.operationName
        // A lost state database took the lock with it: nothing new starts.
        (writer as? PostgresStateRecorder)?.onLost.withLock { $0 = { control.stopStarting() } }
        let task = Task { await applier.run(operation: operation) }
        let interrupts = InterruptHandler(
            first: {
                control.stopStarting()
                view.handle(.stopping(inFlight: view.inFlight))
            },
            second: {
                Terminal.out(style.red("Second interrupt: stopping in-flight work now.") + "\n")
                task.cancel()
            })
        var report = await task.value
        // Stopped because the state database went away, not by Ctrl-C: an error (exit 1).
        if (writer as? PostgresStateRecorder)?.isLost == true { report.interrupted = false }
        interrupts.cancel()
        view.clear()
        let finalState: StateFile
        do {
            finalState = try await writer.finish()
        } catch {
            throw ws.fail("could not write the final state: \(error)", detail: "Everything finished is in state/\(plan.environment).journal; the next ogf command recovers it.")
        }
        // Telemetry and records: after state is safe; a sink that fails is a warning only.
        let warnings = await records.finish(report: report, state: finalState)
        if !report.errors.isEmpty { ws.report(Diagnostics(report.errors)) }
        let name: String = if case .rollback(let v, _) = plan.operation { "Rollback to \(v)" } else { "Apply" }
        let line = report.summaryLine(name)
        Terminal.out("\n" + (report.ok ? style.green(style.bold(line)) : style.red(style.bold(line))) + "\n")
        for w in warnings { Terminal.out(style.yellow("warning: \(w)") + "\n") }
        if let dir = config.records?.reportDir, let id = report.history?.id {
            Terminal.out("Report: \((dir as NSString).appendingPathComponent("\(plan.environment)-\(id).html")) (also `ogf report \(plan.environment) \(id)`)\n")
        }
        if report.interrupted {
            Terminal.out("Run `ogf plan \(plan.environment)` to see what is left.\n")
            throw ExitCode(130)
        }
        if !report.triggers.isEmpty {
            try await WatchRollback(ws: ws, parallelism: parallelism, options: options, backend: backend, lock: lock)
                .react(report.triggers, config: config, variables: variables, state: finalState)
        }
        if !report.ok { throw ExitCode(1) }
    }
}
