import Foundation
import OGFCore
import OGFHTTP

/// The blue-green strategy: each Deployment runs as `<name>-blue` and `<name>-green`; the
/// Services that select it carry the live color in their selector, and `<name>-preview`
/// Services select the idle one. A release deploys the idle color, waits, checks it through the
/// preview, switches the Services, checks again (switching back on failure), keeps the old color
/// for `keep_old`, then scales it to zero.
enum BlueGreen {
    static let colorLabel = "ogf.dev/color"

    static func other(_ color: String?) -> String { color == "blue" ? "green" : "blue" }

    /// The objects as they are once `color` is live: colored Deployments, Services switched to
    /// `color`, preview Services on `color`, everything else unchanged.
    static func desired(_ objects: [ManifestObject], color: String) -> [ManifestObject] {
        let deployments = objects.filter { $0.kind == "Deployment" }
        let podLabels = deployments.map { $0.object["spec"]?["template"]?["metadata"]?["labels"]?.mapValue ?? [:] }
        var out: [ManifestObject] = []
        for o in objects {
            switch o.kind {
            case "Deployment":
                var v = K8sManifestKind.setting(o.object, ["metadata", "name"], .string("\(o.name)-\(color)"))
                v = K8sManifestKind.setting(v, ["spec", "selector", "matchLabels", colorLabel], .string(color))
                v = K8sManifestKind.setting(v, ["spec", "template", "metadata", "labels", colorLabel], .string(color))
                out.append(ManifestObject(object: v, file: o.file, line: o.line))
            case "Service" where selectsWorkload(o, podLabels):
                out.append(ManifestObject(object: K8sManifestKind.setting(o.object, ["spec", "selector", colorLabel], .string(color)), file: o.file, line: o.line))
                var preview = K8sManifestKind.setting(o.object, ["metadata", "name"], .string("\(o.name)-preview"))
                preview = K8sManifestKind.setting(preview, ["spec", "selector", colorLabel], .string(color))
                out.append(ManifestObject(object: preview, file: o.file, line: o.line))
            default:
                out.append(o)
            }
        }
        return out
    }

    /// Both colors' objects: what prune must keep.
    static func allColors(_ objects: [ManifestObject]) -> [ManifestObject] {
        let blue = desired(objects, color: "blue")
        return blue + desired(objects, color: "green").filter { $0.kind == "Deployment" }
    }

    static func selectsWorkload(_ service: ManifestObject, _ podLabels: [[String: Value]]) -> Bool {
        guard let sel = service.object["spec"]?["selector"]?.mapValue, !sel.isEmpty else { return false }
        return podLabels.contains { labels in sel.allSatisfy { labels[$0.key] == $0.value } }
    }

    static func isLiveService(_ o: ManifestObject) -> Bool {
        o.kind == "Service" && o.object["spec"]?["selector"]?[colorLabel] != nil && !o.name.hasSuffix("-preview")
    }
}

/// Carries out one blue-green release.
struct BlueGreenRelease: Sendable {
    let client: KubeClient
    let applier: ObjectApplier
    let waiter: RolloutWaiter
    let http: any HTTPClient
    let force: Bool
    let keepOld: Double
    let progress: @Sendable (String) -> Void

    /// nil on success, else why the release failed and what ogf did about it.
    func run(_ objects: [ManifestObject], live: String?, previewChecks: [String], checks: [String]) async throws -> String? {
        let idle = BlueGreen.other(live)
        let next = BlueGreen.desired(objects, color: idle)
        let deployments = next.filter { $0.kind == "Deployment" }
        let liveServices = next.filter(BlueGreen.isLiveService)
        let rest = next.filter { $0.kind != "Deployment" && !BlueGreen.isLiveService($0) }
        try check(await applier.apply(rest, force: force))
        // ogf owns the colored Deployments outright: take replicas back from the scale-down.
        try check(await applier.apply(deployments, force: true))
        if let failure = try await waiter.wait(deployments) {
            try await scale(deployments, to: 0)
            return "the idle color \(idle) did not become ready: \(failure); \(live ?? "nothing") stays live, \(idle) was scaled down"
        }
        if let failure = await run(previewChecks, stage: "preview") {
            try await scale(deployments, to: 0)
            return "\(failure); \(live ?? "nothing") stays live, \(idle) was scaled down"
        }
        progress("switching the Services to \(idle)")
        try check(await applier.apply(liveServices, force: force))
        if let failure = await run(checks, stage: "after the switch") {
            if let live {
                progress("switching the Services back to \(live)")
                try check(await applier.apply(BlueGreen.desired(objects, color: live).filter(BlueGreen.isLiveService), force: true))
                try await scale(deployments, to: 0)
                return "\(failure); switched the Services back to \(live) at once and scaled \(idle) down"
            }
            return "\(failure); there is no earlier color to switch back to"
        }
        if let live {
            if keepOld > 0 {
                progress("keeping \(live) for \(DurationText.format(keepOld)) for instant rollback")
                try await Task.sleep(nanoseconds: UInt64(keepOld * 1e9))
            }
            try await scale(BlueGreen.desired(objects, color: live).filter { $0.kind == "Deployment" }, to: 0)
        }
        return nil
    }

    func check(_ conflicts: [String]) throws {
        if !conflicts.isEmpty {
            throw ResourceFailure("field-manager conflict: another manager owns fields ogf applies:\n  " + conflicts.joined(separator: "\n  ")
                + "\nRun again with --force-conflicts to take these fields over.")
        }
    }

    /// Scales Deployments through their scale subresource (field manager `ogf-blue-green`).
    func scale(_ deployments: [ManifestObject], to replicas: Int) async throws {
        for d in deployments {
            let path = "/apis/apps/v1/namespaces/\(d.namespace ?? "default")/deployments/\(d.name)/scale"
            do {
                _ = try await client.request("PATCH", path, query: [("fieldManager", "ogf-blue-green")],
                                             body: .map(["spec": .map(["replicas": .int(replicas)])]), contentType: "application/merge-patch+json")
            } catch let e as KubeAPIError where e.isNotFound {}
        }
    }

    /// nil when every URL answers 2xx.
    func run(_ urls: [String], stage: String) async -> String? {
        for url in urls {
            progress("checking \(url) (\(stage))")
            do {
                let r = try await http.send(HTTPRequest(url: url, timeout: 10))
                if !(200..<300).contains(r.status) { return "check \(url) \(stage) answered \(r.status)" }
            } catch {
                return "check \(url) \(stage) failed: \(error)"
            }
        }
        return nil
    }
}
