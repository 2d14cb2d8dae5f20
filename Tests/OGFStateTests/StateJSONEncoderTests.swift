import Foundation
import OGFCore
import OGFPlan
import Testing
@testable import OGFState

/// The state encoder must write exactly the bytes Foundation's `JSONEncoder` wrote before it.
@Suite struct StateJSONEncoderTests {
    func foundation<T: Encodable>(_ value: T, pretty: Bool) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return try e.encode(value)
    }

    func same<T: Encodable>(_ value: T, _ comment: Comment? = nil) throws {
        for pretty in [true, false] {
            let ours = try StateJSONEncoder(pretty: pretty).encode(value)
            let theirs = try foundation(value, pretty: pretty)
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self), comment)
        }
    }

    static let tricky: [Value] = [
        .null, true, false, 0, -1, .int(Int.max), .int(Int.min), 1.0, -0.0, 0.1, 1e15, 1e16, 2.5e-7, 1e300, 123456789012.5, 5e-324,
        "", "plain", "q\"b\\s/\u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1b}\u{1f}\u{7f}\u{2028}é😀", [], [:], [1, [2, [:]], ["k": []]],
        ["a10": 1, "a9": 2, "B": 3, "a": 4, "_x": 5, "Z": 6, "é": 7, "10": 8, "$sensitive": 9, "a-b": 10, "a_b": 11],
        .unknown, .redacted("hmac-sha256:00ff"), ["m": .unknown, "s": .redacted("h"), "l": [.unknown, .null]],
    ]

    @Test func valuesEncodeAsFoundationEncodesThem() throws {
        for v in Self.tricky { try same(v, "\(v)") }
        try same(Self.tricky)
        try same(["outer": Value.list(Self.tricky)])
    }

    @Test func datesAreWholeSecondsInUTC() throws {
        let times: [TimeInterval] = [0, 0.9999999, 1_700_000_000.999, 1_764_472_805, 951_782_400, 4_102_444_800, 253_402_300_799, -0.5, -86_400 * 400, 253_402_300_800]
        for t in times { try same([Date(timeIntervalSince1970: t)], "\(t)") }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let t = Double.random(in: 0..<4_200_000_000, using: &g)
            try same([Date(timeIntervalSince1970: t)], "\(t)")
        }
    }

    @Test func stateFilesJournalLinesAndPlansMatch() throws {
        var state = StateFile(environment: "prod")
        try same(state, "empty state")
        for i in 0..<20 {
            state.resources[ResourceAddress(kind: "exec", name: "r\(i)")] = ResourceState(
                kind: "exec", attributes: ["command": ["sh", "-c", .string("echo \(i) \"/tmp\"\n")], "n": .double(Double(i) / 3), "m": ["k": .redacted("h")]],
                outputs: ["exit_code": .int(i), "tail": "ok"], sensitivePaths: ["m.k"], dependencies: i > 0 ? [ResourceAddress(kind: "exec", name: "r\(i - 1)")] : [],
                appliedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 1.5), ogfVersion: OGFVersion.current, durationMs: i % 2 == 0 ? nil : i,
                status: i % 5 == 0 ? .tainted : .ready,
                lastFailure: i % 5 == 0 ? FailureRecord(message: "failed \"\(i)\"", at: Date(timeIntervalSince1970: 1_700_000_007), outputs: ["exit_code": 1]) : nil)
        }
        state.history = [HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 1_700_000_000), finishedAt: nil,
                                      outcome: .running, planHash: "abc", user: "u", host: "h", failed: ["exec.r1"])]
        try same(state, "state")
        try same(JournalEntry(op: .put, address: ResourceAddress(kind: "exec", name: "r1"), resource: state.resources.values.first), "journal put")
        try same(JournalEntry(op: .begin, lineage: state.lineage), "journal begin")
        try same(JournalEntry(op: .history, history: state.history[0]), "journal history")

        let changes = (0..<20).map { i in
            ResourceChange(address: ResourceAddress(kind: "exec", name: "r\(i)"), role: .managed, action: i % 3 == 0 ? .create : .noop,
                           reasons: i % 3 == 0 ? ["new"] : [], before: i % 3 == 0 ? nil : ["command": ["true"]],
                           after: ["command": ["true"], "x": .unknown, "s": .redacted("h")], replacePaths: [], plannedOutputs: ["exit_code": .unknown],
                           dependencies: [], details: i == 4 ? ["a detail"] : [])
        }
        var plan = Plan(environment: "prod", isProtected: true, createdAt: Date(timeIntervalSince1970: 1_764_472_805.25), stateLineage: "l", stateSerial: 3,
                        inputDigest: "d", targets: ["exec.r1"], refresh: false, changes: changes,
                        warnings: [.warning("careful", detail: "why", at: SourceLocation(file: "environments/prod.yaml", line: 3, column: 5)),
                                   Diagnostic(.note, "placed", code: .invalidField, field: "backup")])
        try same(plan, "plan")
        plan.options[TestContextOption.self] = "kind-ogf"
        try same(plan, "plan with a context")
        plan.operation = .rollback(to: "v1", force: true)
        try same(plan, "a rollback plan")
    }

    struct Twice: Encodable {
        enum K: String, CodingKey { case a, b }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(1, forKey: .b)
            try c.encode("first", forKey: .a)
            try c.encode(["x": 2], forKey: .a)
        }
    }

    @Test func aKeyEncodedTwiceKeepsTheLastValue() throws {
        try same(Twice())
        try same([Twice(), Twice()])
    }

    @Test func sensitiveValuesStillRefuseToEncode() {
        #expect(throws: EncodingError.self) { try StateJSONEncoder(pretty: true).encode(["a": Value.sensitive("secret")]) }
    }
}

enum TestContextOption: TextOptionKey {
    static let name = "test.context"
}
