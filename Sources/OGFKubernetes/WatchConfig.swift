import Foundation
import OGFCore

extension WatchKind {
    /// The `watch` configuration, decoded once per plan or apply. Problems a user can fix — a
    /// trigger with no source, two sources, a rollback target that is not a `k8s_manifest`, an
    /// interval longer than the watch — are diagnostics at their field.
    struct Config: Decodable, Sendable {
        var after: [ResourceAddress]
        var duration: ConfigDuration
        var interval: ConfigDuration
        var rollback: [ResourceAddress]
        var triggers: [Trigger]

        enum CodingKeys: String, CodingKey { case after, duration, interval, rollback, triggers }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            after = try Self.addresses(c.decodeIfPresent([String].self, forKey: .after) ?? [], field: "after")
            duration = try c.decode(ConfigDuration.self, forKey: .duration)
            interval = try c.decode(ConfigDuration.self, forKey: .interval)
            rollback = try Self.addresses(c.decodeIfPresent([String].self, forKey: .rollback) ?? [], field: "rollback")
            for (i, a) in rollback.enumerated() where a.kind != "k8s_manifest" {
                throw Diagnostic.field("rollback[\(i)]", "\(a) cannot be rolled back: only k8s_manifest resources record releases")
            }
            if duration.seconds <= 0 { throw Diagnostic.field("duration", "must be longer than 0s, such as 30m") }
            if interval.seconds <= 0 { throw Diagnostic.field("interval", "must be longer than 0s, such as 15s") }
            if interval > duration {
                throw Diagnostic.field("interval", "\(interval) is longer than the watch's duration \(duration): it would never measure twice")
            }
            let raw = try c.decode([String: Trigger.Raw].self, forKey: .triggers)
            if raw.isEmpty { throw Diagnostic.field("triggers", "is empty: give at least one trigger (health, error_rate, crashes)") }
            triggers = try raw.keys.sorted().map { try Trigger(name: $0, raw: raw[$0]!) }
            let followed = Set(after + rollback)
            for t in triggers {
                if case .crashes(let resource, _) = t.source, !followed.contains(resource) {
                    throw Diagnostic.field("triggers.\(t.name).kubernetes.resource",
                                           "\(resource) is not in after or rollback: the watch counts restarts of what it follows")
                }
            }
        }

        static func addresses(_ texts: [String], field: String) throws -> [ResourceAddress] {
            try texts.enumerated().map { i, t in
                guard let a = ResourceAddress(parsing: t) else {
                    throw Diagnostic.field("\(field)[\(i)]", "\"\(t)\" is not a resource address such as k8s_manifest.api")
                }
                return a
            }
        }
    }

    /// One rollback trigger: where its measurement comes from, and when it fires.
    struct Trigger: Sendable {
        enum Source: Sendable {
            /// An HTTP endpoint that must answer as expected (`http: {url, expect_status}`).
            case health(url: String, expectStatus: [Int], insecure: Bool)
            /// A PromQL query returning one number; fires above `above` (or `max_ratio` × the
            /// previous release's value, with `baseline: previous`).
            case prometheus(url: String, query: String)
            /// Restarts of the pods of a `k8s_manifest`'s workloads (newest revision) summed.
            case crashes(resource: ResourceAddress, restartsAbove: Int)
        }

        var name: String
        var source: Source
        /// A fail (or no data, with `no_data: fail`) fires only once it has lasted this long.
        var failingFor: ConfigDuration
        var above: Double?
        /// Evaluated only in the first `within` of the watch (nil: the whole watch).
        var within: ConfigDuration?
        var noDataFails: Bool
        var baselinePrevious: Bool
        var maxRatio: Double

        /// The YAML mapping, before its semantics are checked.
        struct Raw: Decodable, Sendable {
            struct HTTP: Decodable, Sendable {
                var url: String
                var expectStatus: [Int]?
                var insecure: Bool?
                enum CodingKeys: String, CodingKey { case url, expectStatus = "expect_status", insecure }
                init(from decoder: any Decoder) throws {
                    let c = try decoder.container(keyedBy: CodingKeys.self)
                    url = try c.decode(String.self, forKey: .url)
                    if let one = try? c.decode(Int.self, forKey: .expectStatus) { expectStatus = [one] } else {
                        expectStatus = try c.decodeIfPresent([Int].self, forKey: .expectStatus)
                    }
                    insecure = try c.decodeIfPresent(Bool.self, forKey: .insecure)
                }
            }
            struct Prometheus: Decodable, Sendable { var url: String; var query: String }
            struct Kubernetes: Decodable, Sendable {
                var resource: String
                var restartsAbove: Int
                enum CodingKeys: String, CodingKey { case resource, restartsAbove = "restarts_above" }
            }
            var http: HTTP?
            var prometheus: Prometheus?
            var kubernetes: Kubernetes?
            var failingFor: ConfigDuration?
            var above: Double?
            var within: ConfigDuration?
            var noData: String?
            var baseline: String?
            var maxRatio: Double?
            enum CodingKeys: String, CodingKey {
                case http, prometheus, kubernetes, failingFor = "failing_for", above, within, noData = "no_data", baseline, maxRatio = "max_ratio"
            }
        }

        init(name: String, raw: Raw) throws {
            self.name = name
            let f = "triggers.\(name)"
            let sources = [raw.http != nil, raw.prometheus != nil, raw.kubernetes != nil].filter { $0 }.count
            if sources == 0 {
                throw Diagnostic.field(f, "has no source: give one of http (a health endpoint), prometheus (a query) or kubernetes (crashes)")
            }
            if sources > 1 { throw Diagnostic.field(f, "has more than one source (http, prometheus, kubernetes): one trigger measures one thing") }
            if let h = raw.http {
                guard !h.url.isEmpty else { throw Diagnostic.field("\(f).http.url", "is empty") }
                source = .health(url: h.url, expectStatus: h.expectStatus ?? [200], insecure: h.insecure ?? false)
            } else if let p = raw.prometheus {
                if p.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw Diagnostic.field("\(f).prometheus.query", "is empty") }
                if raw.above == nil && raw.baseline == nil {
                    throw Diagnostic.field(f, "a prometheus trigger needs above (a threshold) or baseline: previous with max_ratio")
                }
                source = .prometheus(url: p.url, query: p.query)
            } else {
                let k = raw.kubernetes!
                guard let a = ResourceAddress(parsing: k.resource), a.kind == "k8s_manifest" else {
                    throw Diagnostic.field("\(f).kubernetes.resource", "\"\(k.resource)\" is not a k8s_manifest address such as k8s_manifest.api")
                }
                if k.restartsAbove < 0 { throw Diagnostic.field("\(f).kubernetes.restarts_above", "must be 0 or more") }
                source = .crashes(resource: a, restartsAbove: k.restartsAbove)
            }
            failingFor = raw.failingFor ?? ConfigDuration(seconds: 0)
            above = raw.above
            within = raw.within
            switch raw.noData ?? "fail" {
            case "fail": noDataFails = true
            case "ignore": noDataFails = false
            case let other: throw Diagnostic.field("\(f).no_data", "expected fail or ignore, got \"\(other)\"")
            }
            switch raw.baseline {
            case nil: baselinePrevious = false
            case "previous"?:
                guard case .prometheus(_, let q) = source else {
                    throw Diagnostic.field("\(f).baseline", "only a prometheus trigger can compare with the previous release")
                }
                guard q.contains("$version") else {
                    throw Diagnostic.field("\(f).prometheus.query", "baseline: previous needs $version in the query (e.g. {version=\"$version\"}): "
                                           + "it is evaluated once for this release and once for the previous one")
                }
                baselinePrevious = true
            case let other?: throw Diagnostic.field("\(f).baseline", "expected previous, got \"\(other)\"")
            }
            maxRatio = raw.maxRatio ?? 2
            if maxRatio <= 0 { throw Diagnostic.field("\(f).max_ratio", "must be above 0, such as 2") }
        }
    }
}
