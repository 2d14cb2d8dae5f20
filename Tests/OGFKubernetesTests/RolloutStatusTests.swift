import Foundation
import OGFCore
@testable import OGFKubernetes
import Testing

/// `kubectl rollout status` decisions for the other workload kinds, and crash-loop detection.
@Suite(.tags(.small))
struct RolloutStatusTests {
    func object(_ kind: String, generation: Int = 1, spec: Value = .map([:]), status: Value) -> Value {
        ["kind": .string(kind), "metadata": ["name": "w", "generation": .int(generation)], "spec": spec, "status": status]
    }

    @Test func statefulSet() {
        #expect(RolloutStatus.state(of: object("StatefulSet", spec: ["replicas": 3], status: ["observedGeneration": 1, "readyReplicas": 1]))
            == .waiting("statefulset/w: 1 of 3 ready"))
        #expect(RolloutStatus.state(of: object("StatefulSet", spec: ["replicas": 3],
                                               status: ["observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 2, "currentRevision": "a", "updateRevision": "b"]))
            == .waiting("statefulset/w: 2 of 3 updated"))
        #expect(RolloutStatus.state(of: object("StatefulSet", spec: ["replicas": 3],
                                               status: ["observedGeneration": 1, "readyReplicas": 3, "currentRevision": "b", "updateRevision": "b"]))
            == .done("statefulset/w: 3 of 3 ready"))
    }

    @Test func daemonSet() {
        #expect(RolloutStatus.state(of: object("DaemonSet", status: ["observedGeneration": 1, "desiredNumberScheduled": 2, "updatedNumberScheduled": 1, "numberAvailable": 1]))
            == .waiting("daemonset/w: 1 of 2 updated, 1 available"))
        #expect(RolloutStatus.state(of: object("DaemonSet", status: ["observedGeneration": 1, "desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 1]))
            == .done("daemonset/w: 1 of 1 updated and available"))
    }

    @Test func job() {
        #expect(RolloutStatus.state(of: object("Job", status: ["active": 1])) == .waiting("job/w: 0 succeeded, 1 active"))
        #expect(RolloutStatus.state(of: object("Job", status: ["conditions": [["type": "Complete", "status": "True"]]])) == .done("job/w complete"))
        #expect(RolloutStatus.state(of: object("Job", status: ["conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "too many"]]]))
            == .failed("job/w failed: BackoffLimitExceeded too many"))
    }

    @Test func crashLoops() {
        func pod(_ restarts: Int, _ reason: String?) -> Value {
            var state: Value = ["running": [:]]
            if let reason { state = ["waiting": ["reason": .string(reason)]] }
            return ["metadata": ["name": "p"], "status": ["containerStatuses": [["name": "c", "restartCount": .int(restarts), "state": state]]]]
        }
        #expect(RolloutStatus.crashLooping(pods: [pod(1, "CrashLoopBackOff")], maxRestarts: 3) == nil)
        #expect(RolloutStatus.crashLooping(pods: [pod(3, "CrashLoopBackOff")], maxRestarts: 3) == "pod p container c restarted 3 times (CrashLoopBackOff)")
        #expect(RolloutStatus.crashLooping(pods: [pod(4, nil)], maxRestarts: 3) == "pod p container c restarted 4 times")
    }

    @Test func diffLeavesServerFieldsOut() {
        let live: Value = ["metadata": ["name": "a", "resourceVersion": "5", "managedFields": [[:]], "annotations": ["deployment.kubernetes.io/revision": "2"]],
                           "spec": ["replicas": 2, "ports": [["port": 80]]], "status": ["ready": 1]]
        let planned: Value = ["metadata": ["name": "a", "resourceVersion": "6"], "spec": ["replicas": 3, "ports": [["port": 80], ["port": 81]]]]
        #expect(ObjectDiff.lines(live: live, planned: planned, sensitive: false) == ["~ spec.ports: [{\"port\":80}] → [{\"port\":80},{\"port\":81}]", "~ spec.replicas: 2 → 3"])
        let secret: Value = ["data": ["k": "YQ=="]]
        #expect(ObjectDiff.lines(live: secret, planned: ["data": ["k": "Yg==", "n": "Yw=="]], sensitive: true)
            == ["~ data.k: (sensitive) → (sensitive)", "+ data.n: (sensitive)"])
    }
}
