import Foundation
import OGFCore

/// Where a workload's rollout stands, decided the way `kubectl rollout status` decides it.
public enum RolloutState: Equatable, Sendable {
    case done(String)
    case waiting(String)
    case failed(String)
}

public enum RolloutStatus {
    /// Kinds whose rollout ogf waits for.
    public static let workloadKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "Job"]

    public static func state(of object: Value) -> RolloutState {
        let kind = object["kind"]?.stringValue ?? ""
        let name = "\(kind.lowercased())/\(object["metadata"]?["name"]?.stringValue ?? "")"
        let spec = object["spec"] ?? .map([:])
        let status = object["status"] ?? .map([:])
        func int(_ v: Value?, _ key: String) -> Int { v?[key]?.intValue ?? 0 }
        let generation = object["metadata"]?["generation"]?.intValue ?? 0
        let observed = int(status, "observedGeneration")
        let conditions = status["conditions"]?.listValue ?? []
        func condition(_ type: String) -> Value? { conditions.first { $0["type"]?.stringValue == type } }

        switch kind {
        case "Deployment":
            guard generation <= observed else { return .waiting("\(name): waiting for the spec update to be observed") }
            if condition("Progressing")?["reason"]?.stringValue == "ProgressDeadlineExceeded" {
                return .failed("\(name) exceeded its progress deadline")
            }
            let want = spec["replicas"]?.intValue ?? 1
            let updated = int(status, "updatedReplicas"), available = int(status, "availableReplicas"), total = int(status, "replicas")
            let line = "\(name): \(updated) of \(want) updated, \(available) available"
            if updated < want { return .waiting(line) }
            if total > updated { return .waiting("\(line), \(total - updated) old pending termination") }
            if available < updated { return .waiting(line) }
            return .done("\(name): \(want) of \(want) updated and available")
        case "StatefulSet":
            guard observed > 0, generation <= observed else { return .waiting("\(name): waiting for the spec update to be observed") }
            let want = spec["replicas"]?.intValue ?? 1
            let ready = int(status, "readyReplicas"), updated = int(status, "updatedReplicas")
            if ready < want { return .waiting("\(name): \(ready) of \(want) ready") }
            if let u = status["updateRevision"]?.stringValue, u != status["currentRevision"]?.stringValue {
                return .waiting("\(name): \(updated) of \(want) updated")
            }
            return .done("\(name): \(want) of \(want) ready")
        case "DaemonSet":
            guard generation <= observed else { return .waiting("\(name): waiting for the spec update to be observed") }
            let want = int(status, "desiredNumberScheduled")
            let updated = int(status, "updatedNumberScheduled"), available = int(status, "numberAvailable")
            if updated < want || available < want { return .waiting("\(name): \(updated) of \(want) updated, \(available) available") }
            return .done("\(name): \(want) of \(want) updated and available")
        case "Job":
            if let c = condition("Failed"), c["status"]?.stringValue == "True" {
                return .failed("\(name) failed: \(c["reason"]?.stringValue ?? "") \(c["message"]?.stringValue ?? "")")
            }
            if let c = condition("Complete"), c["status"]?.stringValue == "True" { return .done("\(name) complete") }
            return .waiting("\(name): \(int(status, "succeeded")) succeeded, \(int(status, "active")) active")
        default:
            return .done(name)
        }
    }

    /// A pod of the new revision that restarted more than `maxRestarts` times or is crash-looping.
    public static func crashLooping(pods: [Value], maxRestarts: Int) -> String? {
        for pod in pods {
            for cs in pod["status"]?["containerStatuses"]?.listValue ?? [] {
                let restarts = cs["restartCount"]?.intValue ?? 0
                let waiting = cs["state"]?["waiting"]?["reason"]?.stringValue
                if restarts > maxRestarts || (waiting == "CrashLoopBackOff" && restarts >= maxRestarts) {
                    let pname = pod["metadata"]?["name"]?.stringValue ?? "?"
                    return "pod \(pname) container \(cs["name"]?.stringValue ?? "?") restarted \(restarts) times" + (waiting.map { " (\($0))" } ?? "")
                }
            }
        }
        return nil
    }
}
