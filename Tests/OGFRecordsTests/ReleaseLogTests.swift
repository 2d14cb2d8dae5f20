import Foundation
import OGFCore
import OGFState
import Testing

@Suite struct ReleaseLogTests {
    @Test func aReleaseIsReadFromOutputsThatKeepAReleaseLog() throws {
        let a = ResourceAddress(parsing: "k8s_manifest.app")!
        let outputs: [String: Value] = [
            "release": 4,
            "releases": [
                ["release": 3, "version": "v1", "images": ["api": "reg/api@sha256:111"]],
                ["release": 4, "version": "v2", "images": ["api": "reg/api@sha256:222", "web": "reg/web@sha256:333"]],
            ],
        ]
        let r = try #require(ReleaseRecord.from(address: a, outputs: outputs))
        #expect(r == ReleaseRecord(address: "k8s_manifest.app", release: 4, version: "v2", images: ["api": "reg/api@sha256:222", "web": "reg/web@sha256:333"]))
        #expect(ReleaseRecord.from(address: ResourceAddress(parsing: "exec.x")!, outputs: ["exit_code": 0]) == nil)
        // After a rollback the number moved on without a log entry: the restored images, no version claimed.
        var rolled = outputs
        rolled["release"] = 5
        rolled["images"] = ["api": "reg/api@sha256:111"]
        #expect(ReleaseRecord.from(address: a, outputs: rolled) == ReleaseRecord(address: "k8s_manifest.app", release: 5, version: nil, images: ["api": "reg/api@sha256:111"]))
    }

    @Test func historyKeepsReleasesAndReadsOldEntries() throws {
        var h = HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 0), outcome: .succeeded, planHash: "p", user: "u", host: "h")
        h.releases = [ReleaseRecord(address: "k8s_manifest.app", release: 1, version: "v1", images: ["api": "x@sha256:1"])]
        let data = try JSONEncoder().encode(h)
        #expect(try JSONDecoder().decode(HistoryEntry.self, from: data) == h)
        // An entry written before releases were kept still reads.
        let old = try JSONEncoder().encode(HistoryEntry(id: 2, operation: "apply", startedAt: Date(timeIntervalSince1970: 0), outcome: .failed,
                                                        planHash: "p", user: "u", host: "h"))
        #expect(!String(decoding: old, as: UTF8.self).contains("releases"))
        #expect(try JSONDecoder().decode(HistoryEntry.self, from: old).releases == nil)
    }
}
