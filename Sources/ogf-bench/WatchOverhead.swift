import Foundation
import OGFCore
import OGFHTTP
import OGFKubernetes

/// `ogf-bench watch-overhead PROMETHEUS_URL QUERY`: a watch of 10 Prometheus triggers (the same
/// query, a threshold never reached), 1 s interval for 10 s, against a real Prometheus; prints
/// the time each interval spent measuring and journaling (what the watch adds per interval).
func benchWatchOverhead(url: String, query: String) async throws {
    let busy = Locked<[Double]>([])
    let lastWake = Locked<Date?>(nil)
    let clock = WatchClock(now: { Date() }, sleep: { s in
        let now = Date()
        if let w = lastWake.withLock({ $0 }) { busy.withLock { $0.append(now.timeIntervalSince(w)) } }
        if s > 0 { try await Task.sleep(nanoseconds: UInt64(s * 1e9)) }
        lastWake.withLock { $0 = Date() }
    })
    let kind = WatchKind(http: CurlHTTPClient(), clock: clock)
    var triggers: [String: Value] = [:]
    for i in 0..<10 {
        triggers["t\(i)"] = .map(["prometheus": .map(["url": .string(url), "query": .string(query)]), "above": .double(1e12)])
    }
    let config = kind.schema.withDefaults(["duration": "11s", "interval": "1s", "triggers": .map(triggers)])
    let journal = Locked(0)
    let r = try await kind.apply(ApplyRequest(
        address: ResourceAddress(kind: "watch", name: "bench"), config: config, prior: nil, action: .check,
        context: KindContext(environment: "bench", isProtected: false, projectRoot: "/tmp", variables: [:]), progress: { _ in },
        checkpoint: { outputs, _ in journal.withLock { $0 += Value.map(outputs).jsonText(pretty: false).utf8.count } }))
    let ms = busy.withLock { $0 }.map { $0 * 1000 }
    print(String(format: "  10 triggers: per interval median %.1f ms, max %.1f ms over %d intervals (%@); %d checkpoint bytes in all",
                 median(ms), ms.max() ?? 0, ms.count, r.summary ?? "", journal.withLock { $0 }))
}
