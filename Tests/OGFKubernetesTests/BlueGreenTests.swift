import Foundation
import OGFCore
import OGFHTTP
@testable import OGFKubernetes
import Testing

private let shared = Task { try await Emulator() }

@Suite(.tags(.medium))
struct BlueGreenTests {
    let emu: Emulator
    let p: Project
    let ns = "bg-" + UUID().uuidString.prefix(8).lowercased()

    init() async throws {
        emu = try await shared.value
        p = try Project(emu)
        try p.write("ns.yaml", namespace(ns))
        try p.write("api.yaml", deployment("api"))
    }

    func config(_ image: String, checks: [String] = []) -> [String: Value] {
        p.config(["ns.yaml", "api.yaml"], namespace: ns, values: ["image": .string(image)],
                 extra: ["strategy": "blue-green", "preview_checks": .list([.string("\(emu.base)/version")]), "checks": .list(checks.map(Value.string))])
    }

    func get(_ args: String...) async throws -> String {
        try await emu.kubectl(["-n", ns, "get"] + args)
    }

    @Test func deploysTheIdleColorAndSwitches() async throws {
        let (s1, e1) = await p.apply(config("x:1"), prior: nil)
        #expect(e1 == nil)
        #expect(s1.outputs["color"] == .string("blue"))
        #expect(try await get("service", "api", "-o", "jsonpath={.spec.selector.ogf\\.dev/color}") == "blue")
        #expect(try await p.plan(config("x:1"), prior: s1).action == .noop)

        let plan = try await p.plan(config("x:2"), prior: s1)
        #expect(plan.details.contains("+ deployment/api-green"))
        #expect(plan.details.contains("    ~ spec.selector.ogf.dev/color: \"blue\" → \"green\""))
        let progress = Locked<[String]>([])
        let (s2, e2) = await p.apply(config("x:2"), prior: s1, progress: progress)
        #expect(e2 == nil)
        #expect(s2.outputs["color"] == .string("green"))
        #expect(progress.withLock { $0 }.contains("switching the Services to green"))
        #expect(try await get("service", "api", "-o", "jsonpath={.spec.selector.ogf\\.dev/color}") == "green")
        #expect(try await get("deployment", "api-green", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "x:2")
        #expect(try await get("deployment", "api-blue", "-o", "jsonpath={.spec.replicas}") == "0")
    }

    @Test func failingIdleColorLeavesTheLiveOneServing() async throws {
        let (s1, _) = await p.apply(config("x:1"), prior: nil)
        try p.write("api.yaml", deployment("api", annotations: "{emulator.ogf/fail: crashloop}"))
        let (s2, err) = await p.apply(config("x:2"), prior: s1)
        #expect(s2.status == .tainted)
        #expect(err?.contains("blue stays live") == true, "\(err ?? "")")
        #expect(s2.outputs["color"] == .string("blue"))
        #expect(try await get("service", "api", "-o", "jsonpath={.spec.selector.ogf\\.dev/color}") == "blue")
        #expect(try await get("deployment", "api-green", "-o", "jsonpath={.spec.replicas}") == "0")
    }

    @Test func checkFailingAfterTheSwitchSwitchesBack() async throws {
        let (s1, _) = await p.apply(config("x:1"), prior: nil)
        let (s2, err) = await p.apply(config("x:2", checks: ["http://127.0.0.1:\(closedPort())/health"]), prior: s1)
        #expect(s2.status == .tainted)
        #expect(err?.contains("switched the Services back to blue") == true, "\(err ?? "")")
        #expect(try await get("service", "api", "-o", "jsonpath={.spec.selector.ogf\\.dev/color}") == "blue")
        #expect(try await get("deployment", "api-blue", "-o", "jsonpath={.status.availableReplicas}") == "2")
    }
}

/// A port nothing listens on: bind, read the port, close.
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
