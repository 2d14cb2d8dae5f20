import Foundation
import OGFCore
import Testing
@testable import OGFState

/// The state decoder must read exactly what Foundation's `JSONDecoder` read before it.
@Suite struct StateJSONDecoderTests {
    func foundation<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try d.decode(type, from: data)
    }

    @Test func valuesDecodeAsFoundationDecodesThem() throws {
        let texts = ["1", "1.0", "1e2", "-0", "-0.0", "1.5", "0.1", "-1.5e-3", "12345678901234567890", "9223372036854775807",
                     "-9223372036854775808", "9223372036854775808", "1e-400", "2.5E1", "true", "false", "null", "\"\"",
                     "\"a\\u00e9\\ud83d\\ude00\\/\\n\\t\\\"\\\\ é\"", "[]", "{}", "[1, [2, {\"a\": null}]]",
                     "{\"$unknown\": true}", "{\"$unknown\": false}", "{\"$sensitive\": \"hmac-sha256:ab\"}",
                     "{\"$sensitive\": \"h\", \"x\": 1}", "{\"b\": 1, \"a\": {\"$unknown\": true}}"]
        for t in texts {
            let data = Data("[\(t)]".utf8)
            #expect(try StateJSONDecoder().decode([Value].self, from: data) == foundation([Value].self, data), "\(t)")
        }
    }

    @Test func aSavedStateReadsBackTheSame() throws {
        var state = StateFile(environment: "prod")
        state.resources[ResourceAddress(kind: "exec", name: "a")] = ResourceState(
            kind: "exec", attributes: ["command": ["echo", "ü\n\"x\""], "n": 1.25, "big": 1e20, "m": ["k": .redacted("hmac-sha256:00"), "u": .unknown]],
            outputs: ["exit_code": 0, "none": .null], sensitivePaths: ["m.k"], dependencies: [ResourceAddress(kind: "exec", name: "b")],
            appliedAt: Date(timeIntervalSince1970: 1_700_000_000), ogfVersion: OGFVersion.current, durationMs: nil, status: .tainted,
            lastFailure: FailureRecord(message: "exited with code 3", at: Date(timeIntervalSince1970: 1_700_000_050), outputs: ["exit_code": 3]))
        state.resources[ResourceAddress(kind: "exec", name: "b")] = resource(2)
        state.history = [HistoryEntry(id: 1, operation: "apply", startedAt: Date(timeIntervalSince1970: 1_700_000_100), outcome: .running,
                                      planHash: "abc", user: "u", host: "h")]
        let data = try StateStore.encoder.encode(state)
        let fast = try StateJSONDecoder().decode(StateFile.self, from: data)
        let slow = try foundation(StateFile.self, data)
        #expect(fast.resources == slow.resources)
        #expect(fast.history == slow.history)
        #expect(fast.lineage == slow.lineage && fast.serial == slow.serial && fast.secretSalt == slow.secretSalt)
        #expect(try StateStore.encoder.encode(fast) == data)
    }

    @Test func datesInOtherISO8601FormsStillRead() throws {
        // Including what Foundation's parser accepts leniently (February 30th): it still decides.
        for s in ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00+02:00", "2024-02-29T23:59:59Z", "1969-12-31T23:59:59Z", "2026-02-30T00:00:00Z"] {
            let data = Data("[\"\(s)\"]".utf8)
            #expect(try StateJSONDecoder().decode([Date].self, from: data) == foundation([Date].self, data), "\(s)")
        }
        #expect(throws: DecodingError.self) { try StateJSONDecoder().decode([Date].self, from: Data("[\"yesterday\"]".utf8)) }
    }

    @Test func malformedTextAndMissingKeysThrow() throws {
        for t in ["{not json", "[1,]", "[1 2]", "\"abc", "[01]", "[1.]", "{\"a\" 1}", "[1] x", "", "[\"\\x\"]"] {
            #expect(throws: DecodingError.self, "\(t)") { try StateJSONDecoder().decode([Value].self, from: Data(t.utf8)) }
        }
        #expect(throws: DecodingError.self) { try StateJSONDecoder().decode(HistoryEntry.self, from: Data("{\"id\": 1}".utf8)) }
        #expect(throws: DecodingError.self) { try StateJSONDecoder().decode([String].self, from: Data("[\"a\", 1]".utf8)) }
        #expect(try StateJSONDecoder().decode([String].self, from: Data("[\"a\", \"\\u00e9\"]".utf8)) == ["a", "é"])
    }
}
