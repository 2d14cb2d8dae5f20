import Foundation
import OGFConfig
import OGFCore
import OGFPlan
import OGFState
import Testing
@testable import OGFApply

/// A kind that keeps a release log in its outputs, as k8s_manifest does, and reports the
/// TRACEPARENT it was handed.
struct ReleasingKind: ResourceKind {
    let name = "rel"
    let role = ResourceRole.managed
    let summary = "test double"
    let schema = Schema([FieldSpec("version", .string, doc: "label")])

    func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let n = (request.prior?.outputs["release"]?.intValue ?? 0) + 1
        let version = request.config["version"] ?? .null
        return ApplyResponse(outputs: ["release": .int(n),
                                       "releases": [["release": .int(n), "version": version, "images": ["api": .string("reg/api@sha256:\(n)")]]],
                                       "traceparent": .string(request.context.variables["TRACEPARENT"] ?? "")])
    }
}

@Suite struct RecordsApplyTests {
    @Test func historyListsTheReleasesMadeAndResourcesGetTheirTraceparent() async throws {
        let registry = KindRegistry([ReleasingKind()])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ogf-apply-rel-\(UUID().uuidString)").path
        let (config, diags) = ConfigLoader(root: "/p", reader: MemoryFileReader(["/p/environments/t.yaml": """
        resources:
          rel.api: {version: v7}
          rel.web: {version: v7, depends_on: [rel.api]}
        """]), registry: registry).load(environment: "t")
        try diags.throwIfErrors()
        let store = StateStore(directory: dir, environment: "t")
        let state = try store.compactIfNeeded().state
        let ctx = KindContext(environment: "t", isProtected: false, projectRoot: "/p", variables: [:])
        let (plan, pd) = await Planner(config: config!, registry: registry, prior: state.priorState, environment: [:], context: ctx).plan()
        try pd.throwIfErrors()
        let writer = try StateWriter(store: store, state: state)
        var applier = Applier(plan: plan!, config: config!, registry: registry, environment: [:], context: ctx, writer: writer)
        applier.traceParent = { "00-0123456789abcdef0123456789abcdef-\(String($0.description.utf8.count, radix: 16).padding(toLength: 16, withPad: "0", startingAt: 0))-01" }
        let report = await applier.run()
        let final = try writer.finish()
        #expect(report.ok)
        let releases = try #require(final.history.last?.releases)
        #expect(releases.map(\.address) == ["rel.api", "rel.web"])
        #expect(releases.allSatisfy { $0.version == "v7" && $0.release == 1 && $0.images["api"] == "reg/api@sha256:1" })
        #expect(report.history?.releases == releases)
        #expect(report.entries.allSatisfy { $0.start != nil }, "every resource that ran has a start offset")
        let web = try #require(report.entries.first { $0.address.description == "rel.web" })
        let api = try #require(report.entries.first { $0.address.description == "rel.api" })
        #expect(web.start! >= api.start! + (api.duration ?? 0) - 0.001, "web started after api finished")
        #expect(final.resources[ResourceAddress(kind: "rel", name: "api")]?.outputs["traceparent"] == "00-0123456789abcdef0123456789abcdef-7000000000000000-01")
    }
}
