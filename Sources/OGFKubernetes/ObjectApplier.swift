import Foundation
import OGFCore

/// Server-side apply and deletion of many objects, in parallel within each ordering wave
/// (namespaces before what lives in them, config before the workloads that mount it).
struct ObjectApplier: Sendable {
    let client: KubeClient
    let discovery: Discovery
    let parallelism: Int
    /// The resourceVersion each applied object had right after its apply, by object id: with the
    /// manifest's digest it lets the next plan skip the dry-run of objects nobody touched since.
    let versions = Locked<[String: String]>([:])

    /// Applies every object; answers the field-manager conflicts (one line per object), which
    /// leave those objects unchanged. Other errors are thrown.
    func apply(_ objects: [ManifestObject], force: Bool) async throws -> [String] {
        var conflicts: [String] = []
        let waves = Dictionary(grouping: objects) { ManifestLoader.order($0.kind) }
        for key in waves.keys.sorted() {
            let results = try await concurrentMap(waves[key]!, limit: parallelism) { o -> String? in
                let res = try await discovery.resource(of: o)
                let path = res.path(namespace: res.namespaced ? o.namespace : nil, name: o.name)
                do {
                    let live = try await client.apply(o.object, at: path, force: force)
                    if let rv = live["metadata"]?["resourceVersion"]?.stringValue { versions.withLock { $0[o.id] = rv } }
                    return nil
                } catch let e as KubeAPIError where e.isConflict {
                    return "\(o.kind.lowercased())/\(o.name): \(e.message)"
                } catch let e as KubeAPIError {
                    throw KubernetesError("\(o.kind.lowercased())/\(o.name) (\(o.position)): \(e)")
                }
            }
            conflicts += results.compactMap { $0 }
        }
        return conflicts
    }

    /// Deletes objects (already gone is fine); dependents go with them in the background.
    func delete(_ ids: [ObjectID]) async throws {
        _ = try await concurrentMap(ids, limit: parallelism) { id -> Bool in
            let res = try await discovery.resource(apiVersion: id.apiVersion, kind: id.kind)
            do {
                _ = try await client.request("DELETE", res.path(namespace: res.namespaced ? id.namespace : nil, name: id.name),
                                             query: [("propagationPolicy", "Background")])
            } catch let e as KubeAPIError where e.isNotFound {}
            return true
        }
    }
}

/// Follows workloads until their rollouts are done, fail, or time out, reporting progress.
struct RolloutWaiter: Sendable {
    let client: KubeClient
    let discovery: Discovery
    let pollInterval: Double
    let timeout: Double
    let maxRestarts: Int
    let progress: @Sendable (String) -> Void

    /// nil when every workload is ready; otherwise why the rollout failed.
    func wait(_ workloads: [ManifestObject]) async throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        let results = try await concurrentMap(workloads, limit: 16) { w -> String? in
            let res = try await discovery.resource(of: w)
            let path = res.path(namespace: w.namespace, name: w.name)
            var lastLine = ""
            var polls = 0
            while true {
                try Task.checkCancellation()
                guard let live = try await client.get(path) else { return "\(w.kind.lowercased())/\(w.name) disappeared during the rollout" }
                switch RolloutStatus.state(of: live) {
                case .done(let line):
                    progress(line)
                    return nil
                case .failed(let why):
                    return why
                case .waiting(let line):
                    if line != lastLine { progress(line); lastLine = line }
                }
                polls += 1
                if polls % 4 == 0, let crash = try await crashLoop(live, namespace: w.namespace) {
                    return "\(w.kind.lowercased())/\(w.name): \(crash)"
                }
                if Date() > deadline {
                    return "\(w.kind.lowercased())/\(w.name) was not ready after \(DurationText.format(timeout)) (\(lastLine))"
                }
                try await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            }
        }
        let failures = results.compactMap { $0 }
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    /// Pods of the workload's newest revision that crash-loop.
    func crashLoop(_ live: Value, namespace: String?) async throws -> String? {
        guard let ns = namespace, let match = live["spec"]?["selector"]?["matchLabels"]?.mapValue, !match.isEmpty else { return nil }
        var selector = match.keys.sorted().map { "\($0)=\(match[$0]!.stringValue ?? "")" }
        if live["kind"]?.stringValue == "Deployment" {
            let rev = live["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue
            let sets = try await client.request("GET", "/apis/apps/v1/namespaces/\(ns)/replicasets", query: [("labelSelector", selector.joined(separator: ","))])
            let newest = (sets["items"]?.listValue ?? []).first { $0["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue == rev }
            if let hash = newest?["metadata"]?["labels"]?["pod-template-hash"]?.stringValue { selector.append("pod-template-hash=\(hash)") }
        }
        let pods = try await client.request("GET", "/api/v1/namespaces/\(ns)/pods", query: [("labelSelector", selector.joined(separator: ","))])
        return RolloutStatus.crashLooping(pods: pods["items"]?.listValue ?? [], maxRestarts: maxRestarts)
    }
}
