import Foundation
import OGFCore
import OGFHTTP
import OGFObservability

/// The watch's clock and sleep, injected so unit tests run a 30-minute watch without waiting.
public struct WatchClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Double) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Double) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = WatchClock(now: { Date() }, sleep: { s in
        if s > 0 { try await Task.sleep(nanoseconds: UInt64(s * 1e9)) } else { try Task.checkCancellation() }
    })
}

/// `watch`: after a rollout, evaluates rollback triggers every `interval` for `duration`: a
/// health endpoint failing for longer than `failing_for`, a Prometheus error rate above a
/// threshold (or worse than the previous release), pods restarting. It never rolls back by
/// itself: a trigger fails it with `WatchTriggered`, and the apply rolls the listed
/// `k8s_manifest` resources back through the ordinary rollback plan. Its progress is journaled as
/// it goes, so a killed run resumes (`ogf watch ENV`); it is `verified` only when the whole
/// window passed with no trigger and every trigger measured something.
public struct WatchKind: ResourceKind {
    let http: any HTTPClient
    let access: ClusterAccess
    let clock: WatchClock

    public init(http: any HTTPClient, clock: WatchClock = .system) {
        self.http = http
        access = ClusterAccess(http: http)
        self.clock = clock
    }

    public let name = "watch"
    public let role = ResourceRole.check
    public let summary = "Watch a rolled-out release for a window: health, error rate, crashes; a trigger rolls it back and fails the apply."
    public let schema = Schema([
        .addresses("after", doc: "The resources whose rollout starts the watch (usually the k8s_manifest resources)."),
        FieldSpec("duration", .duration, required: true, doc: "The whole watch (e.g. 30m); the release is verified only when it ends with no trigger."),
        FieldSpec("interval", .duration, default: "15s", doc: "How often every trigger is measured."),
        .addresses("rollback", doc: "The k8s_manifest resources a trigger rolls back to their last good release."),
        FieldSpec("triggers", .map(.object(Schema([
            FieldSpec("http", .object(Schema([
                FieldSpec("url", .string, required: true, doc: "The health endpoint."),
                FieldSpec("expect_status", .any, doc: "The status (or list of statuses) that means healthy; default 200."),
                FieldSpec("insecure", .bool, doc: "Skip TLS verification (self-signed test servers only)."),
            ])), doc: "Source: an HTTP health endpoint; a wrong status or no answer is a failure."),
            FieldSpec("prometheus", .object(Schema([
                FieldSpec("url", .string, required: true, doc: "Prometheus's base URL, e.g. http://prometheus:9090."),
                FieldSpec("query", .string, required: true, doc: "PromQL returning one number (aggregate with sum()); checked by Prometheus at plan time."),
            ])), doc: "Source: a PromQL query; no series, several series or NaN is no data, never a pass."),
            FieldSpec("kubernetes", .object(Schema([
                FieldSpec("resource", .string, required: true, doc: "A k8s_manifest (in after or rollback) whose workloads' pods are counted."),
                FieldSpec("restarts_above", .int, required: true, doc: "Fires when the pods of the new revision restarted more often than this, in total."),
            ])), doc: "Source: container restarts of a k8s_manifest's pods since the rollout."),
            FieldSpec("failing_for", .duration, doc: "Fires only once failures (or no data, with no_data: fail) have lasted this long; default 0s: at once."),
            FieldSpec("above", .number, doc: "prometheus: fires when the value is above this."),
            FieldSpec("within", .duration, doc: "prometheus: evaluated only in the first part of the watch (e.g. 10m); default: the whole watch."),
            FieldSpec("no_data", .oneOf(["fail", "ignore"]), doc: "fail (default): no data counts as failing. ignore: it does not fire, but a trigger that never measured leaves the release unverified."),
            FieldSpec("baseline", .oneOf(["previous"]), doc: "prometheus: also evaluate the query for the previous release ($version in the query) and fire only when worse by max_ratio."),
            FieldSpec("max_ratio", .number, doc: "With baseline: fires when the value is above max_ratio × the previous release's (and above `above`, if given); default 2."),
        ]))), required: true, doc: "Rollback triggers by name (health, error_rate, crashes, ...): each has exactly one source."),
    ])
    public let outputs = [
        "verified": "true only when the whole duration passed with no trigger and every trigger measured something.",
        "watch": "passed, unverified, triggered or unfinished.",
        "watched_s": "Seconds of the window watched so far (across resumes).",
        "evidence": "The measurements (newest 400): t (seconds into the watch), trigger, verdict, value, detail.",
        "trigger": "The trigger that fired, if one did.",
    ]

    // MARK: plan

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        let unknown = Dictionary(uniqueKeysWithValues: outputs.keys.map { ($0, Value.unknown) })
        guard let c = try request.decodeIfKnown(Config.self) else { return PlanResponse(action: .check, plannedOutputs: unknown) }
        var diags: [Diagnostic] = []
        if request.refresh {
            for t in c.triggers {
                guard case .prometheus(let url, let query) = t.source else { continue }
                let client = PrometheusClient(baseURL: url, http: http, timeout: 5)
                do {
                    _ = try await client.query(query.replacingOccurrences(of: "$version", with: "plan-check"))
                } catch let e as PrometheusError where e.isInvalidQuery {
                    throw Diagnostic.field("triggers.\(t.name).prometheus.query", "\(e)", code: .invalidField)
                } catch {
                    diags.append(.field("triggers.\(t.name).prometheus.query", "not checked: \(error)", severity: .warning))
                }
            }
        }
        let details = c.triggers.map { "trigger \($0.name): \(Self.describe($0))" }
            + ["for \(c.duration) every \(c.interval)" + (c.rollback.isEmpty ? "; rolls back nothing" : "; rolls back \(c.rollback.map(\.description).joined(separator: ", "))")]
        if let prior = request.prior, prior.status == .tainted, let p = WatchProgress(resuming: prior.lastFailure?.outputs ?? [:]) {
            return PlanResponse(action: .check, reasons: ["unfinished: \(DurationText.format(p.watched)) of \(DurationText.format(p.duration)) watched, not passed; `ogf watch \(request.context.environment)` resumes it"],
                                plannedOutputs: unknown, details: details, diagnostics: diags)
        }
        if !request.changingDependencies.isEmpty {
            return PlanResponse(action: .check, reasons: ["after \(request.changingDependencies.map(\.description).joined(separator: ", ")) roll out"],
                                plannedOutputs: unknown, details: details, diagnostics: diags)
        }
        if let prior = request.prior, prior.isReady, prior.outputs["verified"]?.boolValue == true, request.changedFields.isEmpty,
           Self.releases(c, request.context) == (prior.outputs["releases"]?.mapValue ?? [:]).compactMapValues(\.intValue) {
            return PlanResponse(action: .noop, plannedOutputs: prior.outputs, diagnostics: diags)
        }
        let why = request.prior == nil ? "not watched yet" : request.prior?.status == .tainted ? "the last watch fired or failed"
            : request.prior?.outputs["verified"]?.boolValue == true ? "configuration or releases changed" : "the last watch did not verify the release"
        return PlanResponse(action: .check, reasons: [why], plannedOutputs: unknown, details: details, diagnostics: diags)
    }

    static func describe(_ t: Trigger) -> String {
        let ff = t.failingFor.seconds > 0 ? " for \(t.failingFor)" : ""
        switch t.source {
        case .health(let url, let s, _): return "\(url) not \(s.map(String.init).joined(separator: "/"))\(ff)"
        case .prometheus:
            var s = t.baselinePrevious ? "query > \(t.maxRatio)× previous release" + (t.above.map { " and > \($0)" } ?? "") : "query > \(t.above ?? 0)"
            if let w = t.within { s += " within \(w)" }
            return s + ff + (t.noDataFails ? "" : " (no data ignored)")
        case .crashes(let r, let n): return "\(r) pods restart more than \(n) times"
        }
    }

    /// Release numbers of the followed k8s_manifest resources, as recorded now.
    static func releases(_ c: Config, _ context: KindContext) -> [String: Int] {
        var out: [String: Int] = [:]
        for a in Set(c.after + c.rollback) where a.kind == "k8s_manifest" {
            if let n = context.recorded(a)?.outputs["release"]?.intValue { out[a.description] = n }
        }
        return out
    }

    // MARK: apply

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let releases = Self.releases(c, request.context)
        var progress: WatchProgress
        if let prior = request.prior, prior.status == .tainted, let p = WatchProgress(resuming: prior.lastFailure?.outputs ?? [:]),
           p.releases == releases, p.duration == c.duration.seconds {
            progress = p
            request.progress("resuming: \(DurationText.format(p.watched)) of \(DurationText.format(p.duration)) already watched, \(p.samples.count) measurements kept")
        } else {
            progress = WatchProgress(duration: c.duration.seconds, releases: releases, startedAt: clock.now())
        }
        var trackers = c.triggers.map {
            TriggerTracker.replay(name: $0.name, failingFor: $0.failingFor.seconds, noDataFails: $0.noDataFails,
                                 interval: c.interval.seconds, progress.samples)
        }
        let versions = Self.versions(c, request.context)
        let runStart = clock.now()
        let base = progress.watched
        var tick = 0
        var reportedFailing: [String] = []
        var reportedAt = -Double.infinity
        while true {
            let offset = base + clock.now().timeIntervalSince(runStart)
            if offset >= c.duration.seconds { break }
            let at = clock.now()
            let samples = await measureAll(c, offset: offset, at: at, versions: versions, context: request.context)
            for (i, s) in samples.enumerated() {
                if s.verdict != .skipped { progress.add(s) }
                if let reason = trackers[i].observe(s) {
                    progress.watched = base + clock.now().timeIntervalSince(runStart)
                    var outs = progress.outputs(state: "triggered", verified: false)
                    outs["trigger"] = .string(s.trigger)
                    let evidence = progress.samples.filter { $0.trigger == s.trigger }.suffix(10).map(\.line)
                    throw WatchTriggered(watch: request.address.description, trigger: s.trigger, reason: reason, evidence: Array(evidence),
                                         rollback: c.rollback.map(\.description), outputs: outs)
                }
            }
            progress.watched = min(c.duration.seconds, base + clock.now().timeIntervalSince(runStart))
            await request.checkpoint(progress.outputs(state: "unfinished", verified: false),
                               "unfinished: \(DurationText.format(progress.watched)) of \(c.duration) watched; `ogf watch \(request.context.environment)` resumes it")
            // A line when a trigger starts or stops failing, else about every tenth of the window.
            let failing = trackers.filter { $0.failingSince != nil }.map(\.name)
            if failing != reportedFailing || progress.watched - reportedAt >= c.duration.seconds / 10 {
                request.progress("\(DurationText.format(progress.watched)) of \(c.duration) watched" + (failing.isEmpty ? ", all triggers hold" : ", failing: \(failing.joined(separator: ", "))"))
                reportedFailing = failing
                reportedAt = progress.watched
            }
            if request.isStopping() {
                // Interrupted: the progress is journaled above; `ogf watch ENV` resumes it.
                request.progress("stopping: \(DurationText.format(progress.watched)) of \(c.duration) watched; `ogf watch \(request.context.environment)` resumes it")
                throw CancellationError()
            }
            tick += 1
            let next = min(Double(tick) * c.interval.seconds, c.duration.seconds - base)
            // In steps of at most a second, so a first Ctrl-C stops a long interval soon.
            var left = max(0, next - clock.now().timeIntervalSince(runStart))
            repeat {
                let step = left > 1 ? 1 : left
                try await clock.sleep(step)
                left -= step
            } while left > 0 && !request.isStopping()
        }
        progress.watched = c.duration.seconds
        let silent = trackers.filter { $0.conclusive == 0 }.map(\.name)
        let failing = trackers.filter { $0.failingSince != nil }.map(\.name)
        let verified = silent.isEmpty && failing.isEmpty
        var outs = progress.outputs(state: verified ? "passed" : "unverified", verified: verified)
        outs["trigger"] = .null
        var summary = "\(c.duration) watched, \(progress.measurements) measurements, no trigger"
        if !silent.isEmpty { summary += "; not verified: no data from \(silent.joined(separator: ", "))" }
        if !failing.isEmpty { summary += "; not verified: still failing at the end: \(failing.joined(separator: ", "))" }
        return ApplyResponse(outputs: outs, summary: summary)
    }

    /// This release's and the previous release's version labels, for `baseline: previous`.
    static func versions(_ c: Config, _ context: KindContext) -> (current: String?, previous: String?) {
        for a in c.after + c.rollback where a.kind == "k8s_manifest" {
            let list = context.recorded(a)?.outputs["releases"]?.listValue ?? []
            guard let last = list.last else { continue }
            let current = last["version"]?.stringValue
            let previous = list.dropLast().reversed().first { $0["version"]?.stringValue != current }?["version"]?.stringValue
            return (current, previous)
        }
        return (nil, nil)
    }

    /// Every trigger at once (their latencies overlap), answered in configuration order.
    func measureAll(_ c: Config, offset: Double, at: Date, versions: (current: String?, previous: String?), context: KindContext) async -> [WatchSample] {
        await withTaskGroup(of: (Int, WatchSample).self) { group in
            for (i, t) in c.triggers.enumerated() {
                group.addTask { (i, await measure(t, c, offset: offset, at: at, versions: versions, context: context)) }
            }
            var out = [WatchSample?](repeating: nil, count: c.triggers.count)
            for await (i, s) in group { out[i] = s }
            return out.map { $0! }
        }
    }

    func measure(_ t: Trigger, _ c: Config, offset: Double, at: Date, versions: (current: String?, previous: String?), context: KindContext) async -> WatchSample {
        func sample(_ v: WatchSample.Verdict, _ value: Double?, _ detail: String) -> WatchSample {
            WatchSample(offset: offset, at: at, trigger: t.name, verdict: v, value: value, detail: context.redact(detail))
        }
        func note(_ v: WatchSample.Verdict, _ detail: String) -> WatchSample { sample(v, nil, detail) }
        if let w = t.within, offset > w.seconds { return note(.skipped, "outside within \(w)") }
        let timeout = max(1, min(10, c.interval.seconds))
        switch t.source {
        case .health(let url, let expect, let insecure):
            do {
                let r = try await http.send(HTTPRequest(url: url, timeout: timeout, insecure: insecure))
                return expect.contains(r.status) ? sample(.ok, Double(r.status), "\(r.status)")
                    : sample(.bad, Double(r.status), "status \(r.status), expected \(expect.map(String.init).joined(separator: " or "))")
            } catch {
                return note(.bad, "no answer: \(error)")
            }
        case .prometheus(let url, let query):
            let client = PrometheusClient(baseURL: url, http: http, timeout: timeout)
            func value(_ version: String?) async -> MetricReading {
                do {
                    return try await client.query(query.replacingOccurrences(of: "$version", with: version ?? "")).singleValue
                } catch {
                    return .inconclusive("\(error)")
                }
            }
            if t.baselinePrevious && versions.current == nil { return note(.inconclusive, "no version label recorded for this release (k8s_manifest version)") }
            let now = await value(versions.current)
            guard let v = now.value else {
                if case .inconclusive(let why) = now { return note(.inconclusive, why) }
                return note(.inconclusive, "no value")
            }
            let floor = t.above ?? 0
            if t.baselinePrevious {
                let before: MetricReading = versions.previous == nil ? .inconclusive("no previous release recorded") : await value(versions.previous)
                guard let b = before.value else {
                    // Without a baseline only the threshold is left to compare with.
                    guard let above = t.above else {
                        if case .inconclusive(let why) = before { return sample(.inconclusive, v, "\(Self.num(v)); baseline: \(why)") }
                        return sample(.inconclusive, v, "no baseline")
                    }
                    return v > above ? sample(.bad, v, "\(Self.num(v)) > above \(Self.num(above)) (no baseline)") : sample(.ok, v, "\(Self.num(v)) ≤ \(Self.num(above)) (no baseline)")
                }
                let limit = t.maxRatio * b
                if v > floor && v > limit {
                    return sample(.bad, v, "\(Self.num(v)) > \(Self.num(t.maxRatio))× previous release's \(Self.num(b))" + (t.above.map { " and > \(Self.num($0))" } ?? ""))
                }
                return sample(.ok, v, "\(Self.num(v)) vs previous \(Self.num(b)) (max \(Self.num(t.maxRatio))×)")
            }
            return v > floor ? sample(.bad, v, "\(Self.num(v)) > above \(Self.num(floor))") : sample(.ok, v, "\(Self.num(v)) ≤ \(Self.num(floor))")
        case .crashes(let resource, let limit):
            do {
                let (n, pods) = try await restarts(resource, context: context)
                if pods == 0 { return note(.inconclusive, "no pods of \(resource) found") }
                return n > limit ? sample(.bad, Double(n), "\(n) restarts in \(pods) pods > \(limit)") : sample(.ok, Double(n), "\(n) restarts in \(pods) pods")
            } catch {
                return note(.inconclusive, "\(error)")
            }
        }
    }

    static func num(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.4g", v)
    }

    /// Container restarts of the pods of the resource's workloads' newest revision (their
    /// counts start at the rollout), and how many pods that is.
    func restarts(_ resource: ResourceAddress, context: KindContext) async throws -> (Int, Int) {
        guard let recorded = context.recorded(resource) else { throw ResourceFailure("\(resource) is not recorded in state yet") }
        let a = recorded.attributes
        let settings = ClusterAccess.Settings(kubeconfig: a["kubeconfig"]?.stringValue, context: a["context"]?.stringValue,
                                              namespace: a["namespace"]?.stringValue)
        let client = try access.client(settings, context: context)
        let ids = (recorded.outputs["objects"]?.listValue ?? []).compactMap(\.stringValue).compactMap(ObjectID.init(text:))
        var total = 0, pods = 0
        for id in ids where ["Deployment", "StatefulSet", "DaemonSet"].contains(id.kind) {
            let ns = id.namespace ?? settings.namespace ?? "default"
            let live = try await client.request("GET", "/apis/apps/v1/namespaces/\(ns)/\(id.kind.lowercased())s/\(id.name)")
            guard let match = live["spec"]?["selector"]?["matchLabels"]?.mapValue, !match.isEmpty else { continue }
            var selector = match.keys.sorted().map { "\($0)=\(match[$0]!.stringValue ?? "")" }
            if id.kind == "Deployment" {
                let rev = live["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue
                let sets = try await client.request("GET", "/apis/apps/v1/namespaces/\(ns)/replicasets", query: [("labelSelector", selector.joined(separator: ","))])
                let newest = (sets["items"]?.listValue ?? []).first { $0["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue == rev }
                if let hash = newest?["metadata"]?["labels"]?["pod-template-hash"]?.stringValue { selector.append("pod-template-hash=\(hash)") }
            }
            let list = try await client.request("GET", "/api/v1/namespaces/\(ns)/pods", query: [("labelSelector", selector.joined(separator: ","))])
            for pod in list["items"]?.listValue ?? [] {
                pods += 1
                for cs in pod["status"]?["containerStatuses"]?.listValue ?? [] { total += cs["restartCount"]?.intValue ?? 0 }
            }
        }
        return (total, pods)
    }
}
