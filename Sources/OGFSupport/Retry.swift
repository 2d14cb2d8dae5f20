import Foundation
import OGFCore

/// Shared retry settings of checks: `retries` more attempts, `interval` apart.
public struct RetryPolicy: Sendable {
    public var retries: Int
    public var interval: Double

    public init(retries: Int, interval: Double) {
        self.retries = max(0, retries)
        self.interval = interval
    }

    public init(_ settings: RetrySettings) {
        self.init(retries: settings.retries, interval: settings.interval.seconds)
    }

    /// Runs `attempt` until it returns nil (success) or attempts run out; returns the last error.
    public func run(progress: @Sendable (String) -> Void, _ attempt: () async -> String?) async throws -> String? {
        var last: String?
        for i in 0...retries {
            try Task.checkCancellation()
            last = await attempt()
            guard let failure = last else { return nil }
            if i < retries {
                progress("attempt \(i + 1) of \(retries + 1) failed: \(failure); retrying in \(DurationText.format(interval))")
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
        return last.map { retries > 0 ? "\($0) (after \(retries + 1) attempts)" : $0 }
    }
}

extension Schema {
    public static let retryFields: [FieldSpec] = [
        FieldSpec("timeout", .duration, default: "10s", doc: "Time allowed for one attempt."),
        FieldSpec("retries", .int, default: 0, doc: "Further attempts after a failure."),
        FieldSpec("interval", .duration, default: "2s", doc: "Wait between attempts."),
        FieldSpec("max_latency", .duration, doc: "Fail when an attempt succeeds but takes longer than this."),
    ]
}

/// The shared fields of checks (`Schema.retryFields`), decoded from a kind's configuration:
/// decode it from the same decoder as the kind's own fields (`try RetrySettings(from: decoder)`).
public struct RetrySettings: Decodable, Sendable, Equatable {
    public var timeout: ConfigDuration
    public var retries: Int
    public var interval: ConfigDuration
    public var maxLatency: ConfigDuration?

    enum CodingKeys: String, CodingKey { case timeout, retries, interval, maxLatency = "max_latency" }
}
