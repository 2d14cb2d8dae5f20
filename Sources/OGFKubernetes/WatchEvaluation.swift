import Foundation
import OGFCore

/// One measurement of one trigger, kept as evidence: when (seconds into the watch), which
/// trigger, and what it saw. Stored in state as a compact map; bounded by `WatchProgress.limit`.
struct WatchSample: Sendable, Equatable {
    enum Verdict: String, Sendable { case ok, bad, inconclusive, skipped }

    /// Seconds since the watch started (across resumes).
    var offset: Double
    var at: Date
    var trigger: String
    var verdict: Verdict
    /// A number (error rate, restarts), when there is one.
    var value: Double?
    /// What was seen: "200 OK", "0.31 > 0.05", "no series (no data)".
    var detail: String

    var value_: Value {
        var m: [String: Value] = ["t": .double((offset * 1000).rounded() / 1000), "at": .string(WatchSample.iso.string(from: at)),
                                  "trigger": .string(trigger), "verdict": .string(verdict.rawValue), "detail": .string(detail)]
        if let value { m["value"] = .double(value) }
        return .map(m)
    }

    init(offset: Double, at: Date, trigger: String, verdict: Verdict, value: Double? = nil, detail: String) {
        (self.offset, self.at, self.trigger, self.verdict, self.value, self.detail) = (offset, at, trigger, verdict, value, detail)
    }

    init?(_ v: Value) {
        guard let m = v.mapValue, let t = m["t"]?.doubleValue, let trig = m["trigger"]?.stringValue,
              let verdict = m["verdict"]?.stringValue.flatMap(Verdict.init(rawValue:)) else { return nil }
        self.init(offset: t, at: m["at"]?.stringValue.flatMap { WatchSample.iso.date(from: $0) } ?? Date(timeIntervalSince1970: 0),
                  trigger: trig, verdict: verdict, value: m["value"]?.doubleValue, detail: m["detail"]?.stringValue ?? "")
    }

    /// `+12.0s error_rate bad: 0.31 > 0.05`, for failure messages and history.
    var line: String {
        String(format: "+%.1fs ", offset) + "\(trigger) \(verdict.rawValue): \(detail)"
    }

    nonisolated(unsafe) static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}

/// Decides when a trigger fires from its measurements, free of I/O and clocks (tests feed it
/// samples). A bad sample — or an inconclusive one with `no_data: fail` — starts a failing
/// streak; the trigger fires once the streak has lasted `failing_for` (at once when that is 0).
/// A good sample ends the streak; with `no_data: ignore` an inconclusive one neither fires nor
/// ends it.
struct TriggerTracker: Sendable {
    let name: String
    let failingFor: Double
    let noDataFails: Bool
    /// Measurements come every interval with some jitter: a streak within half an interval of
    /// `failing_for` has lasted it (else jitter would add a whole interval to detection).
    let tolerance: Double
    /// Offset of the first sample of the current failing streak.
    private(set) var failingSince: Double?
    /// Measurements in the current failing streak.
    private(set) var streak = 0
    /// Conclusive measurements seen (ok or bad): a trigger with none never verifies a release.
    private(set) var conclusive = 0

    init(name: String, failingFor: Double, noDataFails: Bool, interval: Double = 0) {
        self.name = name
        self.failingFor = failingFor
        self.noDataFails = noDataFails
        tolerance = interval / 2
    }

    /// nil while the trigger holds; the reason when this sample makes it fire.
    mutating func observe(_ s: WatchSample) -> String? {
        switch s.verdict {
        case .skipped:
            return nil
        case .ok:
            conclusive += 1
            failingSince = nil
            streak = 0
            return nil
        case .inconclusive where !noDataFails:
            return nil
        case .bad, .inconclusive:
            if s.verdict == .bad { conclusive += 1 }
            let since = failingSince ?? s.offset
            failingSince = since
            streak += 1
            let lasted = s.offset - since
            guard lasted + tolerance >= failingFor else { return nil }
            let what = s.verdict == .bad ? s.detail : "no data (\(s.detail)); no_data: fail"
            return failingFor > 0 ? "\(what); failing in \(streak) measurements in a row since +\(DurationText.format(since)) (failing_for \(DurationText.format(failingFor)))" : what
        }
    }

    /// Rebuilds the streak from evidence kept in state (a resumed watch).
    static func replay(name: String, failingFor: Double, noDataFails: Bool, interval: Double, _ samples: [WatchSample]) -> TriggerTracker {
        var t = TriggerTracker(name: name, failingFor: failingFor, noDataFails: noDataFails, interval: interval)
        for s in samples where s.trigger == name { _ = t.observe(s) }
        return t
    }
}

/// A watch's progress as journaled while it runs and recorded when it ends: how much of the
/// window has been watched, against which releases, and the evidence (bounded).
struct WatchProgress: Sendable {
    /// Evidence kept: the newest samples (state stays small; a 30m watch of 3 triggers every 15s
    /// takes 360 samples, so a whole production watch fits).
    static let limit = 400

    var watched: Double
    var duration: Double
    /// Release numbers of the followed k8s_manifest resources when the watch started: a resume
    /// against other releases starts over.
    var releases: [String: Int]
    var samples: [WatchSample]
    var startedAt: Date
    var measurements: Int

    mutating func add(_ s: WatchSample) {
        samples.append(s)
        measurements += 1
        if samples.count > Self.limit { samples.removeFirst(samples.count - Self.limit) }
    }

    func outputs(state: String, verified: Bool) -> [String: Value] {
        ["verified": .bool(verified), "watch": .string(state), "watched_s": .double((watched * 10).rounded() / 10),
         "duration_s": .double(duration), "started_at": .string(WatchSample.iso.string(from: startedAt)),
         "releases": .map(releases.mapValues { .int($0) }), "measurements": .int(measurements),
         "evidence": .list(samples.map(\.value_))]
    }

    init(duration: Double, releases: [String: Int], startedAt: Date) {
        (watched, self.duration, self.releases, samples, self.startedAt, measurements) = (0, duration, releases, [], startedAt, 0)
    }

    /// The progress a killed run journaled (`last_failure.outputs` of an unfinished watch).
    init?(resuming outputs: [String: Value]) {
        guard outputs["watch"]?.stringValue == "unfinished", let w = outputs["watched_s"]?.doubleValue,
              let d = outputs["duration_s"]?.doubleValue else { return nil }
        watched = w
        duration = d
        releases = (outputs["releases"]?.mapValue ?? [:]).compactMapValues(\.intValue)
        samples = (outputs["evidence"]?.listValue ?? []).compactMap(WatchSample.init)
        startedAt = outputs["started_at"]?.stringValue.flatMap { WatchSample.iso.date(from: $0) } ?? Date()
        measurements = outputs["measurements"]?.intValue ?? samples.count
    }
}
