import Foundation
import OGFCore
import OGFSupport

/// `exec`: runs a command (integration tests, a load test, a compliance report). It runs again
/// when its command, environment or `triggers` change, or on every apply with `always: true`.
public struct ExecKind: ResourceKind {
    let runner: any ProcessRunner

    public init(runner: any ProcessRunner) { self.runner = runner }

    public let name = "exec"
    public let role = ResourceRole.managed
    public let summary = "Runs a command; reruns when command, env or triggers change, or every apply with always: true."
    public let schema = Schema([
        FieldSpec("command", .list(.string), required: true, forcesReplacement: true, doc: "The program and its arguments (no shell; use [\"sh\", \"-c\", \"...\"] for one)."),
        FieldSpec("dir", .string, forcesReplacement: true, doc: "Working directory, relative to the project folder (default: the project folder)."),
        FieldSpec("env", .map(.string), forcesReplacement: true, doc: "Extra environment variables for the command."),
        FieldSpec("triggers", .map(.any), forcesReplacement: true, doc: "Arbitrary values; the command reruns when any of them changes (e.g. an image digest)."),
        FieldSpec("always", .bool, default: false, doc: "Run on every apply."),
        FieldSpec("timeout", .duration, doc: "Stop the command (SIGTERM, then SIGKILL) after this long and fail."),
        FieldSpec("success_codes", .list(.int), default: [0], doc: "Exit codes that count as success."),
        FieldSpec("tail_lines", .int, default: 20, doc: "How many lines of output to keep in state and show on failure."),
    ])
    public let outputs = ["exit_code": "The command's exit code.", "output_tail": "The last tail_lines lines of its output (secrets masked)."]

    struct Config: Decodable {
        var command: [String]
        var dir: String?
        var env: [String: String]?
        var always: Bool
        var timeout: ConfigDuration?
        var successCodes: [Int]
        var tailLines: Int

        enum CodingKeys: String, CodingKey {
            case command, dir, env, always, timeout, successCodes = "success_codes", tailLines = "tail_lines"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            command = try c.decode([String].self, forKey: .command)
            guard !command.isEmpty else { throw Diagnostic.field("command", "the command is empty; write the program and its arguments, e.g. [\"make\", \"test\"]") }
            dir = try c.decodeIfPresent(String.self, forKey: .dir)
            env = try c.decodeIfPresent([String: String].self, forKey: .env)
            always = try c.decode(Bool.self, forKey: .always)
            timeout = try c.decodeIfPresent(ConfigDuration.self, forKey: .timeout)
            successCodes = try c.decode([Int].self, forKey: .successCodes)
            tailLines = max(0, try c.decode(Int.self, forKey: .tailLines))
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        let config = try request.decodeIfKnown(Config.self)
        let unknown: [String: Value] = ["exit_code": .unknown, "output_tail": .unknown]
        guard let prior = request.prior else { return PlanResponse(action: .create, plannedOutputs: unknown) }
        if prior.status != .ready { return PlanResponse(action: .replace, reasons: ["tainted: the last run failed"], plannedOutputs: unknown) }
        let reruns = request.changedFields.filter { schema.field($0)?.forcesReplacement == true }
        if !reruns.isEmpty { return PlanResponse(action: .replace, reasons: reruns.map { "\($0) changed" }, plannedOutputs: unknown) }
        if config?.always == true { return PlanResponse(action: .run, reasons: ["always: true"], plannedOutputs: unknown) }
        if !request.changedFields.isEmpty { return PlanResponse(action: .update, reasons: [], plannedOutputs: prior.outputs) }
        return PlanResponse(action: .noop, plannedOutputs: prior.outputs)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let argv = c.command
        if request.action == .update, let prior = request.prior {
            // Only settings that do not rerun it changed (timeout, tail_lines, always): keep the last result.
            return ApplyResponse(outputs: prior.outputs, summary: "settings updated; not rerun")
        }
        var env = request.context.variables
        for (k, v) in c.env ?? [:] { env[k] = v }
        let dir = request.context.path(c.dir ?? ".")
        let timeout = c.timeout?.seconds
        let result: ProcessResult
        do {
            result = try await runner.run(argv, directory: dir, environment: env, timeout: timeout)
        } catch let e as ProcessError {
            throw ResourceFailure(e.description)
        }
        let tailLines = c.tailLines
        let tail = request.context.redact(Self.lastLines(result.outputTail, tailLines))
        let outputs: [String: Value] = ["exit_code": .int(Int(result.exitCode)), "output_tail": .string(tail)]
        let ok = c.successCodes
        if result.timedOut {
            throw ResourceFailure("timed out after \(DurationText.format(timeout ?? 0)) and was stopped" + Self.indentTail(tail), outputs: outputs)
        }
        if let sig = result.signal {
            throw ResourceFailure("killed by signal \(sig)" + Self.indentTail(tail), outputs: outputs)
        }
        guard ok.contains(Int(result.exitCode)) else {
            throw ResourceFailure("exited with code \(result.exitCode)" + Self.indentTail(tail), outputs: outputs)
        }
        return ApplyResponse(outputs: outputs, summary: "exit \(result.exitCode)")
    }

    static func lastLines(_ s: String, _ n: Int) -> String {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.suffix(n).joined(separator: "\n")
    }

    static func indentTail(_ tail: String) -> String {
        tail.isEmpty ? "" : "; last output:\n" + tail.split(separator: "\n", omittingEmptySubsequences: false).map { "    │ \($0)" }.joined(separator: "\n")
    }
}
