import Testing
@testable import OGFCore

@Suite struct ConfigDecoderTests {
    struct Sample: Decodable {
        var url: Marked<String>
        var port: Int
        var timeout: ConfigDuration
        var tags: [String]
        var headers: [String: String]?
        var raw: Value?
        var on: Bool
        enum CodingKeys: String, CodingKey { case url, port, timeout, tags, headers, raw, on }
    }

    let good: [String: Value] = [
        "url": .sensitive("postgres://u:pw@h/db"), "port": "5432", "timeout": "2m", "tags": ["a", 1],
        "headers": ["Authorization": .sensitive("Bearer t")], "raw": .sensitive("keep"), "on": true,
    ]

    @Test func decodesTypedFieldsAcceptingWhatTheSchemaAccepts() throws {
        let s = try ConfigDecoder.decode(Sample.self, from: good)
        #expect(s.url.value == "postgres://u:pw@h/db")
        #expect(s.url.isSensitive)
        #expect(s.port == 5432, "a numeric string from ${env.X} is an integer")
        #expect(s.timeout.seconds == 120)
        #expect(s.tags == ["a", "1"])
        #expect(s.headers == ["Authorization": "Bearer t"], "sensitive marks are removed for use")
        #expect(s.raw == .sensitive("keep"), "a Value field is passed through with its marks")
    }

    @Test func aMismatchIsADiagnosticForTheField() {
        var bad = good
        bad["port"] = "fifty"
        #expect { try ConfigDecoder.decode(Sample.self, from: bad) } throws: { e in
            guard let d = e as? Diagnostic else { return false }
            return d.field == "port" && d.code == .wrongType && d.summary == "expected an integer, got string"
        }
        bad = good
        bad["tags"] = ["a", ["nested": 1]]
        #expect { try ConfigDecoder.decode(Sample.self, from: bad) } throws: { ($0 as? Diagnostic)?.field == "tags[1]" }
        bad = good
        bad["timeout"] = "soon"
        #expect { try ConfigDecoder.decode(Sample.self, from: bad) } throws: { e in
            (e as? Diagnostic)?.field == "timeout" && "\(e)".contains("expected a duration such as 30s")
        }
        bad = good
        bad["on"] = nil
        #expect { try ConfigDecoder.decode(Sample.self, from: bad) } throws: { e in
            (e as? Diagnostic)?.field == "on" && (e as? Diagnostic)?.code == .missingField
        }
    }

    @Test func unknownValuesWaitForApply() throws {
        var planning = good
        planning["url"] = .unknown
        #expect(try ConfigDecoder.decodeIfKnown(Sample.self, from: planning) == nil)
        #expect { try ConfigDecoder.decode(Sample.self, from: planning) } throws: { ($0 as? ConfigDecoder.NotKnownYet)?.field == "url" }
    }

    @Test func aRecordedSecretHashIsNeverUsedAsAValue() {
        var recorded = good
        recorded["url"] = .redacted("hmac-sha256:00")
        #expect(throws: Diagnostic.self) { try ConfigDecoder.decode(Sample.self, from: recorded) }
    }
}
