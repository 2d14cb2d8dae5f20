import ArgumentParser
import Foundation
import OGFConfig
import OGFCore
import OGFGraph
import OGFCatalogue
import OGFKubernetes
import OGFNotify
import OGFPlan
import OGFRecords
import OGFState
import OGFStatePostgres

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("chdir")], help: ArgumentHelp("Run as if ogf was started in DIR (the project folder with environments/, plans/ and state/).", valueName: "DIR"))
    var directory: String?

    @Flag(name: .customLong("no-color"), help: "Never color the output (also: NO_COLOR=1).")
    var noColor = false

    var root: String {
        let cwd = FileManager.default.currentDirectoryPath
        guard let d = directory else { return cwd }
        return d.hasPrefix("/") ? d : (cwd as NSString).appendingPathComponent(d)
    }
}

/// A project folder and one environment in it: configuration, environment variables, state
/// and the kinds, put together the same way for every command.
struct Workspace {
    let root: String
    let registry: KindRegistry
    let terminal: Terminal

    init(_ options: GlobalOptions) {
        root = options.root
        registry = KindCatalogue.registry()
        terminal = Terminal(noColor: options.noColor)
    }

    var stateDirectory: String { (root as NSString).appendingPathComponent("state") }

    /// `state/ENV.json` (the file backend). Commands go through `stateBackend` / `loadState`.
    func store(_ env: String) -> StateStore { StateStore(directory: stateDirectory, environment: env) }

    /// Loads and checks configuration, printing diagnostics; exits 1 on errors.
    func loadConfig(_ env: String) throws -> EnvironmentConfig {
        let (config, diags) = ConfigLoader(root: root, registry: registry).load(environment: env)
        report(diags)
        guard let config, !diags.hasErrors else { throw failure(diags) }
        try checkNotify(config)
        return config
    }

    /// `notify:` is checked whole when the configuration loads (validate, plan, apply), with
    /// secrets and `${env.X}` not needed yet: a mistyped sink fails here with its position, not
    /// at the end of a deploy as a warning that notifications are off.
    func checkNotify(_ config: EnvironmentConfig) throws {
        guard let expr = config.notify else { return }
        var ignored: [Diagnostic] = []
        let vars = Evaluator.resolveVariables(config.variables, environment: nil, envFile: config.envFile, diagnostics: &ignored)
        let value = Evaluator(variables: vars, environment: nil, envFile: config.envFile).evaluate(expr, diagnostics: &ignored)
        do { try NotifyConfig.check(value) } catch {
            let d = Diagnostics([.error("\(error)", detail: "docs/records.md lists every notify: key.", at: config.notifyLocation)])
            report(d)
            throw failure(d)
        }
    }

    /// Configuration and its dependency graph; a cycle is reported like any other error.
    func loadGraph(_ env: String) throws -> (EnvironmentConfig, DependencyGraph) {
        let config = try loadConfig(env)
        let (graph, cycles) = GraphBuilder.build(config)
        if !cycles.isEmpty {
            report(Diagnostics(cycles))
            throw failure(Diagnostics(cycles))
        }
        return (config, graph)
    }

    /// The process environment over the env file's values: what `${env.X}` and gates see.
    func variables(_ config: EnvironmentConfig) -> [String: String] {
        config.envFileValues.merging(ProcessInfo.processInfo.environment) { _, process in process }
    }

    /// Every secret's value, to mask it wherever free text is recorded or shown.
    func redactor(_ config: EnvironmentConfig, _ variables: [String: String]) -> Redactor {
        Redactor(secrets: secretNames(config).compactMap { variables[$0] })
    }

    /// The names of the secrets the configuration uses: `${secret.X}` anywhere, and gate_secret's names.
    func secretNames(_ config: EnvironmentConfig) -> Set<String> {
        var names = Set<String>()
        for rc in config.resources.values {
            for expr in rc.fields.values {
                for (r, _) in expr.references { if case .secret(let n) = r { names.insert(n) } }
            }
            if rc.address.kind == "gate_secret", case .list(let xs)? = rc.fields["names"]?.literalValue {
                for x in xs { if let n = x.stringValue { names.insert(n) } }
            }
        }
        if let url = config.state?.url {
            for (r, _) in url.references { if case .secret(let n) = r { names.insert(n) } }
        }
        for v in config.variables.values {
            for (r, _) in v.expr.references { if case .secret(let n) = r { names.insert(n) } }
        }
        for (r, _) in config.notify?.references ?? [] { if case .secret(let n) = r { names.insert(n) } }
        return names
    }

    /// Configured secret values by name, for gate_git_secrets: the secrets the configuration uses
    /// and every env_file entry (the values a deploy machine holds that must never reach git).
    func configuredSecrets(_ config: EnvironmentConfig, _ variables: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for n in secretNames(config).union(config.envFileValues.keys) {
            if let v = variables[n], !v.isEmpty { out[n] = v }
        }
        return out
    }

    func context(_ config: EnvironmentConfig, _ variables: [String: String], hasher: SecretHasher, options: RunOptions = RunOptions()) -> KindContext {
        let redactor = redactor(config, variables)
        return KindContext(environment: config.name, isProtected: config.isProtected, projectRoot: root, variables: variables,
                           redact: { redactor.redact($0) }, hashSecret: { hasher.hash(Value.string($0).canonicalText) },
                           options: options, secrets: configuredSecrets(config, variables))
    }

    func report(_ diags: Diagnostics) {
        guard !diags.isEmpty else { return }
        let style = TextStyle(color: terminal.stderrIsTTY && terminal.color)
        var out = ""
        for d in diags.sorted {
            let text = d.description
            out += (d.severity == .error ? style.red(text) : d.severity == .warning ? style.yellow(text) : text) + "\n"
        }
        Terminal.err(out)
    }

    /// Exit 1 after saying how many errors there were.
    func failure(_ diags: Diagnostics) -> ExitCode {
        let n = diags.errors.count
        if n > 1 { Terminal.err("\(n) errors.\n") }
        return ExitCode(1)
    }

    /// Prints one error and returns exit code 1.
    func fail(_ message: String, detail: String? = nil) -> ExitCode {
        report(Diagnostics([.error(message, detail: detail)]))
        return ExitCode(1)
    }

    /// Takes the environment's lock (on whichever backend its `state:` section names) and folds
    /// in any work an interrupted apply left.
    func lockAndRecover(_ config: EnvironmentConfig, operation: String, timeout: Double) async throws -> (any StateLease, StateFile, any StateBackend) {
        let env = config.name
        let backend = try stateBackend(config)
        try await checkNotUnmigrated(backend, env)
        let lock: any StateLease
        do {
            lock = try await backend.lock(operation: operation, timeout: timeout)
        } catch let e as LockError {
            throw fail("\(e)".replacingOccurrences(of: "ENV", with: env))
        } catch {
            throw fail("\(error)")
        }
        if let stale = lock.staleInfo, backend is PostgresStateBackend || stale.holderIsGone {
            Terminal.err("note: a previous ogf (\(stale.user)@\(stale.host), pid \(stale.pid), \"\(stale.operation)\" since \(ISO8601DateFormatter().string(from: stale.createdAt))) ended without releasing its lock; the lock was stale and has been taken over.\n")
        }
        do {
            let (state, recovered) = try await backend.recover(under: lock)
            if recovered > 0 {
                Terminal.err("note: recovered \(recovered) journal entr\(recovered == 1 ? "y" : "ies") from an apply that did not finish; they are now in state/\(env).json.\n")
            }
            return (lock, state, backend)
        } catch {
            lock.release()
            throw fail("\(error)")
        }
    }

    /// Where an environment's state lives, from its `state:` section (none: `state/ENV.json`).
    /// The URL is resolved here (`${secret.X}` from the process environment or env_file); its
    /// password never appears in a message.
    func stateBackend(_ config: EnvironmentConfig) throws -> any StateBackend {
        guard let sc = config.state, sc.backend == .postgres, let expr = sc.url else {
            let file = FileStateBackend(directory: stateDirectory, environment: config.name)
            let marker = file.store.path + ".moved-to-postgres"
            if !file.store.exists, FileManager.default.fileExists(atPath: marker) {
                throw fail("the state of \(config.name) was moved to PostgreSQL by `ogf state migrate` (\(marker))",
                           detail: "Put the state: section back in \(config.file) (backend: postgres), or move it back with `ogf state migrate \(config.name) --to file`.")
            }
            return file
        }
        var diags: [Diagnostic] = []
        let env = variables(config)
        let vars = Evaluator.resolveVariables(config.variables, environment: env, envFile: config.envFile, diagnostics: &diags)
        let value = Evaluator(variables: vars, environment: env, envFile: config.envFile).evaluate(expr, diagnostics: &diags)
        if diags.contains(where: { $0.severity == .error }) {
            report(Diagnostics(diags.filter { $0.severity == .error }))
            throw failure(Diagnostics(diags))
        }
        guard let url = value.unmarked.stringValue, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw fail("state.url of \(config.name) is not a postgres:// URL", detail: "Set the secret it refers to to postgres://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        return PostgresStateBackend(url: url, schema: sc.schema, environment: config.name)
    }

    /// A postgres backend that holds nothing yet while `state/ENV.json` does: the team would
    /// start from an empty state. Refused with the command that copies it over.
    func checkNotUnmigrated(_ backend: any StateBackend, _ env: String) async throws {
        guard let pg = backend as? PostgresStateBackend, FileManager.default.fileExists(atPath: FileStateBackend(directory: stateDirectory, environment: env).store.path) else { return }
        let status: (exists: Bool, movedTo: String?, lineage: String?, serial: Int?)
        do { status = try await pg.status() } catch { throw fail("\(error)") }
        if !status.exists {
            throw fail("environments/\(env).yaml keeps state in \(pg.location), which has none yet, but state/\(env).json exists",
                       detail: "Copy it over first: `ogf state migrate \(env) --to postgres`.")
        }
    }

    /// THE way to read an environment's state, whatever its backend, without taking its lock:
    /// `ogf state list/show`, and promotion reading another environment's state. Nil when the
    /// environment has no state yet. Only the `state:` section of that environment's file
    /// matters (an environment without a file, or without the section, is `state/ENV.json`);
    /// the backend's errors are thrown as they are, for the caller to word.
    func loadState(_ env: String) async throws -> StateFile? {
        try await stateBackend(reading: env).read()
    }

    /// The backend of another environment, for reading: its other configuration errors are its
    /// own business, but a broken `state:` section would send the read to the wrong place.
    func stateBackend(reading env: String) throws -> any StateBackend {
        let loader = ConfigLoader(root: root, registry: registry)
        guard loader.availableEnvironments().contains(env) else { return FileStateBackend(directory: stateDirectory, environment: env) }
        let (config, diags) = loader.load(environment: env)
        let stateErrors = diags.items.filter { $0.severity == .error && $0.summary.hasPrefix("state") }
        if !stateErrors.isEmpty {
            report(Diagnostics(stateErrors))
            throw failure(Diagnostics(stateErrors))
        }
        guard let config else { return FileStateBackend(directory: stateDirectory, environment: env) }
        return try stateBackend(config)
    }

    /// The backend of `env` from its configuration (force-unlock, migrate).
    func stateBackend(_ env: String) throws -> any StateBackend {
        try stateBackend(try loadConfig(env))
    }
}

extension StateFile {
    var priorState: PriorState { PriorState(lineage: lineage, serial: serial, hasher: hasher, resources: resources) }
}

/// Parses `--target` values.
func parseTargets(_ raw: [String], _ ws: Workspace) throws -> [ResourceAddress] {
    try raw.map { t in
        guard let a = ResourceAddress(parsing: t) else {
            throw ws.fail("--target \(t) is not a resource address", detail: "Write <kind>.<name>, for example exec.integration_tests.")
        }
        return a
    }
}

/// Parses durations given on the command line.
func parseDuration(_ s: String, flag: String, _ ws: Workspace) throws -> Double {
    guard let d = DurationText.seconds(s) else { throw ws.fail("\(flag): \"\(s)\" is not a duration", detail: "Write for example 30s, 5m or 1h.") }
    return d
}

extension Workspace {
    /// The environment's deploy policy, checked now: the changelog must mention the release, and
    /// outside the deploy windows only `--override-policy REASON` lets the plan through (recorded).
    /// Rollbacks are exempt from the windows unless the policy says otherwise.
    func checkPolicy(_ config: EnvironmentConfig, mode: OperationMode, override: String?, now: Date = Date()) throws -> PolicyOverride? {
        guard let policy = config.policy else { return nil }
        var problems: [Diagnostic] = []
        if let rule = policy.changelog, mode == .apply {
            var diags: [Diagnostic] = []
            let env = variables(config)
            let vars = Evaluator.resolveVariables(config.variables, environment: env, envFile: config.envFile, diagnostics: &diags)
            let mention = Evaluator(variables: vars, environment: env, envFile: config.envFile).evaluate(rule.mustMention, diagnostics: &diags)
            problems += diags
            let path = rule.file.hasPrefix("/") ? rule.file : (root as NSString).appendingPathComponent(rule.file)
            if let text = mention.unmarked.stringValue, !text.isEmpty {
                if let contents = try? String(contentsOfFile: path, encoding: .utf8) {
                    if !contents.contains(text) {
                        problems.append(.error("policy.changelog: \(rule.file) does not mention \"\(text)\"",
                                               detail: "Document the release's changes in \(rule.file) before deploying it.", code: .invalidField, at: rule.location))
                    }
                } else {
                    problems.append(.error("policy.changelog: \(rule.file) cannot be read", detail: "Create it, or fix policy.changelog.file.",
                                           code: .invalidField, at: rule.location))
                }
            }
        }
        if !problems.isEmpty {
            report(Diagnostics(problems))
            throw failure(Diagnostics(problems))
        }
        let exempt: Bool = if case .rollback = mode { policy.exempt.contains("rollback") } else { false }
        guard !exempt else { return nil }
        let verdict = DeployWindows.evaluate(policy.windows, at: now)
        guard !verdict.allowed, let why = verdict.reason else { return nil }
        guard let reason = override?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw fail("\(config.name) may not be deployed now: \(why)",
                       detail: (verdict.nextOpenText.map { "The next window opens \($0). " } ?? "No window opens within a week. ")
                           + "To deploy anyway, pass --override-policy \"REASON\"; the reason, user, host and time are recorded.")
        }
        Terminal.err("warning: deploy policy overridden: \(why); reason: \(reason)\n")
        audit(config.name, AuditDraft(command: "override (\(mode.operationName))", outcome: "granted", detail: "reason: \(reason); blocked: \(why)"))
        return PolicyOverride(reason: reason, user: ProcessIdentity.user, host: ProcessIdentity.host, at: now, blocked: why)
    }
}

extension Workspace {
    /// `-out FILE`: saves the plan (relative to the current folder) and says how to apply it.
    func save(_ plan: Plan, to out: String, announce: Bool) throws {
        let path = out.hasPrefix("/") ? out : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(out)
        do {
            try PlanFile.write(plan, to: path)
        } catch {
            throw fail("cannot write plan file \(out): \(error)")
        }
        let what = plan.operation == .apply ? "the plan" : "the rollback plan"
        audit(plan.environment, AuditDraft(command: "\(plan.operation == .apply ? "plan" : plan.operation.operationName) -out \((out as NSString).lastPathComponent)",
                                           planHash: plan.hash, outcome: "saved", detail: plan.summary.text))
        if announce { Terminal.out("\nSaved \(what) to \(out). Apply exactly these actions with:\n    ogf apply \(out)\n") }
    }
}
