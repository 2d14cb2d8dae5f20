import Foundation
import OGFApply
import OGFConfig
import OGFCore
import OGFGraph
import OGFHTTP
import OGFNotify
import OGFPlan
import OGFRecords
import OGFState
import OGFStatePostgres

extension Workspace {
    /// The environment's audit log: beside its state (state/<ENV>.audit.jsonl, or the state
    /// schema's `audit` table when the state is in PostgreSQL).
    func auditLog(_ env: String) throws -> any AuditLog {
        if let pg = try stateBackend(reading: env) as? PostgresStateBackend {
            return PostgresAuditLog(backend: pg, user: ProcessIdentity.user, host: ProcessIdentity.host)
        }
        return FileAuditLog(directory: stateDirectory, environment: env, user: ProcessIdentity.user, host: ProcessIdentity.host)
    }

    /// Appends to the audit log; a log that cannot be written is a warning (the operation it
    /// records already happened) but is said loudly.
    func audit(_ env: String, _ draft: AuditDraft) {
        do { try auditLog(env).append(draft) } catch {
            Terminal.err("warning: could not append to the audit log of \(env): \(error)\n")
        }
    }

    func recordStore(_ env: String) -> RecordStore { RecordStore(stateDirectory: stateDirectory, environment: env) }
}

/// Records and telemetry around one apply or rollback: starts the sinks (off the critical
/// path), and at the end builds the deploy record, waits for the sinks (bounded), saves the
/// record, writes the report and status page, and appends to the audit log.
struct RunRecords {
    let ws: Workspace
    let config: EnvironmentConfig
    let plan: Plan
    let notifier: Notifier?
    let trace: TraceIDs
    let release: String?
    let redactor: Redactor
    let startedAt: Date

    init(ws: Workspace, config: EnvironmentConfig, plan: Plan, variables: [String: String], notify: Bool, operation: String? = nil,
         client: any HTTPClient = CurlHTTPClient()) {
        self.ws = ws
        operationLabel = operation
        self.config = config
        self.plan = plan
        startedAt = Date()
        trace = TraceIDs.random()
        redactor = ws.redactor(config, variables)
        var diags: [Diagnostic] = []
        let vars = Evaluator.resolveVariables(config.variables, environment: variables, envFile: config.envFile, diagnostics: &diags)
        release = vars["release"]?.unmarked.stringValue
        var notifier: Notifier?
        if notify, let expr = config.notify {
            var ediags: [Diagnostic] = []
            let value = Evaluator(variables: vars, environment: variables, envFile: config.envFile).evaluate(expr, diagnostics: &ediags)
            if let e = ediags.first(where: { $0.severity == .error }) {
                Terminal.err("warning: notifications are off for this run: \(e.description)\n")
            } else {
                do {
                    let c = try NotifyConfig.decode(value)
                    if !c.isEmpty {
                        let r = redactor
                        notifier = Notifier(config: c, client: client, redact: { r.redact($0) })
                    }
                } catch {
                    Terminal.err("warning: notifications are off for this run: \(error)\(config.notifyLocation.map { " (\($0))" } ?? "")\n")
                }
            }
        }
        self.notifier = notifier
    }

    let operationLabel: String?
    var operation: String { operationLabel ?? plan.operation.operationName }

    func reportLink(run: Int) -> String? {
        guard let dir = config.records?.reportDir else { return nil }
        if let base = config.records?.reportURL { return (base.hasSuffix("/") ? base : base + "/") + "\(config.name)-\(run).html" }
        return (dir as NSString).appendingPathComponent("\(config.name)-\(run).html")
    }

    /// Appends `started` to the audit log (so a run that is killed still leaves who started it,
    /// with which plan), then starts the sinks' "run started" work in the background.
    func start(run: Int) {
        ws.audit(config.name, AuditDraft(command: operation, planHash: plan.hash, outcome: "started", detail: "run #\(run)"))
        notifier?.start(RunStart(environment: config.name, operation: operation, release: release, startedAt: startedAt, trace: trace,
                                 reportLink: reportLink(run: run)))
    }

    /// The `TRACEPARENT` each resource gets when spans are exported.
    var traceParent: (@Sendable (ResourceAddress) -> String)? {
        guard notifier?.sinks.contains(where: { $0.name == "otlp" }) == true else { return nil }
        let t = trace
        return { t.traceparent(parent: t.spanID($0.description)) }
    }

    /// Everything after the run. Never throws: a records problem is a warning, the deploy's
    /// outcome stands. Answers the warnings to print under the summary.
    func finish(report: ApplyReport, state: StateFile) async -> [String] {
        guard let history = report.history else { return [] }
        let changes = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.address, $0) })
        let steps = report.entries.map { e -> DeployRecordBuilder.Step in
            let outcome: ResourceOutcome
            var message = e.message
            switch e.outcome {
            case .succeeded: outcome = .succeeded
            case .failed: outcome = .failed
            case .stopped: outcome = .stopped
            case .skipped(let cause): outcome = .skipped; message = "skipped: depends on \(cause), which failed"
            case .notStarted: outcome = .notStarted
            }
            let c = changes[e.address]
            return .init(address: e.address, action: e.action.rawValue, outcome: outcome, start: e.start, duration: e.duration, message: message,
                         summary: e.summary, dependsOn: c?.dependencies ?? [], changes: Self.changeLines(c))
        }
        var outputs: [ResourceAddress: [String: Value]] = [:]
        for e in report.entries {
            if let r = state.resources[e.address] { outputs[e.address] = r.lastFailure?.outputs.isEmpty == false && e.outcome == .failed ? r.lastFailure!.outputs : r.outputs }
        }
        let rollbackTo: String? = if case .rollback(let v, _) = plan.operation { v } else { nil }
        let override = plan.policyOverride.map { OverrideRecord(reason: $0.reason, user: $0.user, host: $0.host, at: $0.at, blocked: $0.blocked) }
        let r = redactor
        let builder = DeployRecordBuilder(redact: { r.redact($0) })
        var record = builder.build(history: history, environment: config.name, release: release, planSummary: plan.summary.text, steps: steps,
                                   outputs: outputs, rollbackTo: rollbackTo, policyOverride: override,
                                   traceID: traceParent != nil ? trace.traceID : nil)
        var warnings: [String] = []
        if let notifier {
            warnings = await notifier.finish(RunEnd(record: record, history: state.history)).map { "telemetry: \($0)" }
            record.warnings = warnings
        }
        warnings += write(record, state: state)
        ws.audit(config.name, AuditDraft(command: operation, planHash: plan.hash, outcome: history.outcome.rawValue,
                                         detail: "run #\(history.id): \(report.succeeded.count) succeeded, \(report.failed.count) failed"
                                             + (record.release.map { ", release \($0)" } ?? "")))
        return warnings
    }

    /// Saves the record beside state, the report in `records.report_dir`, the status page.
    func write(_ record: DeployRecord, state: StateFile) -> [String] {
        var problems: [String] = []
        do { try ws.recordStore(config.name).save(record) } catch { problems.append("records: could not save the run's record: \(error)") }
        if let dir = config.records?.reportDir {
            let abs = dir.hasPrefix("/") ? dir : (ws.root as NSString).appendingPathComponent(dir)
            do {
                try FileManager.default.createDirectory(atPath: abs, withIntermediateDirectories: true)
                for f in ReportFormat.allCases {
                    let path = (abs as NSString).appendingPathComponent("\(config.name)-\(record.run).\(f.fileExtension)")
                    try f.render(record).write(toFile: path, atomically: true, encoding: .utf8)
                }
            } catch {
                problems.append("records: could not write the report to \(dir): \(error)")
            }
        }
        if let dir = config.records?.statusPage {
            do { try StatusPageWriter(ws: ws).write(to: dir, current: (state, record)) } catch {
                problems.append("records: could not write the status page to \(dir): \(error)")
            }
        }
        return problems
    }

    /// The plan's attribute changes as `path: before → after` lines (sensitive masked by Value).
    static func changeLines(_ c: ResourceChange?) -> [String] {
        guard let c, let after = c.after else { return [] }
        let before = c.before ?? [:]
        var lines: [String] = []
        for k in Set(after.keys).union(before.keys).sorted() where before[k] != after[k] {
            let b = before[k].map(\.description) ?? "(none)"
            let a = after[k].map(\.description) ?? "(none)"
            lines.append("\(k): \(b.count > 200 ? String(b.prefix(200)) + "…" : b) → \(a.count > 200 ? String(a.prefix(200)) + "…" : a)")
        }
        return lines
    }
}

/// Writes the project's status page: every environment with state, its latest record.
struct StatusPageWriter {
    let ws: Workspace

    func write(to dir: String, current: (StateFile, DeployRecord)? = nil) throws {
        let abs = dir.hasPrefix("/") ? dir : (ws.root as NSString).appendingPathComponent(dir)
        try FileManager.default.createDirectory(atPath: abs, withIntermediateDirectories: true)
        var envs: [EnvironmentStatus] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: ws.stateDirectory)) ?? []
        for f in files.sorted() where f.hasSuffix(".json") {
            let name = String(f.dropLast(5))
            if let current, current.0.environment == name {
                envs.append(EnvironmentStatus.from(state: current.0, latest: current.1))
                continue
            }
            guard let state = try? ws.store(name).load().state else { continue }
            envs.append(EnvironmentStatus.from(state: state, latest: ws.recordStore(name).latest()))
        }
        let project = (ws.root as NSString).lastPathComponent
        try StatusPage.render(project: project, environments: envs, generatedAt: Date())
            .write(toFile: (abs as NSString).appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }
}
