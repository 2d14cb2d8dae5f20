import Foundation
import Testing
@testable import OGFCore

@Suite struct ValueTests {
    let hasher = SecretHasher(salt: Array("0123456789abcdef".utf8))

    @Test func sensitiveValuesRefuseToEncode() throws {
        let v: Value = .map(["url": .sensitive(.string("postgres://u:hunter2@db/app"))])
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(v) }
        let data = try JSONEncoder().encode(v.redacted(with: hasher))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("hunter2"))
        #expect(text.contains("hmac-sha256:"))
    }

    @Test func redactedRoundTripsAndStillDetectsChange() throws {
        let a = Value.sensitive(.string("secret-one")).redacted(with: hasher)
        let b = Value.sensitive(.string("secret-two")).redacted(with: hasher)
        #expect(a != b)
        #expect(a == Value.sensitive(.string("secret-one")).redacted(with: hasher))
        let decoded = try JSONDecoder().decode(Value.self, from: JSONEncoder().encode(a))
        #expect(decoded == a)
        #expect(decoded.description == "(sensitive)")
    }

    @Test func saltChangesTheHash() {
        let other = SecretHasher(salt: Array("fedcba9876543210".utf8))
        #expect(hasher.hash("x") != other.hash("x"))
    }

    @Test func sensitivePathsNameWhereSecretsAre() {
        let v: Value = .map(["headers": .map(["Authorization": .sensitive("Bearer t")]), "list": .list(["a", .sensitive("b")])])
        #expect(v.sensitivePaths() == ["headers.Authorization", "list[1]"])
    }

    @Test func unknownIsNotKnownDeep() {
        #expect(!Value.map(["a": .list([.unknown])]).isKnown)
        #expect(Value.map(["a": .list([1])]).isKnown)
        #expect(Value.map(["a": .unknown]).unknownPaths() == ["a"])
    }

    @Test func jsonTextIsSortedAndHidesMarks() {
        let v: Value = ["b": 1, "a": .sensitive("x"), "c": .unknown]
        #expect(v.jsonText(pretty: false) == #"{"a":null,"b":1,"c":null}"#)
    }

    @Test func decodesJSONTypesFaithfully() throws {
        let v = try JSONDecoder().decode(Value.self, from: Data(#"{"t":true,"i":3,"d":1.5,"s":"x","n":null,"l":[1]}"#.utf8))
        #expect(v == ["t": true, "i": 3, "d": 1.5, "s": "x", "n": .null, "l": [1]])
    }
}

@Suite struct TemplateTests {
    @Test func singleReferenceKeepsItsType() throws {
        let t = try Template.parse("${var.replicas}").get()
        #expect(t.isSingleReference)
        #expect(t.references.first?.0 == .variable("replicas"))
    }

    @Test func interpolationAndEscapes() throws {
        let t = try Template.parse("https://${var.host}/x $${literal}").get()
        #expect(t.parts == [.literal("https://"), .reference(.variable("host"), offset: 8), .literal("/x ${literal}")])
    }

    @Test func resourceReferencesCarryPaths() throws {
        let t = try Template.parse("${image.api.digest}").get()
        #expect(t.references.first?.0 == .resource(ResourceAddress(kind: "image", name: "api"), path: ["digest"]))
    }

    @Test func errorsSayWhatIsWrongAndWhere() {
        guard case .failure(let e) = Template.parse("ab ${var.x") else { Issue.record("expected failure"); return }
        #expect(e.offset == 3)
        #expect(e.message.contains("unterminated"))
        guard case .failure(let e2) = Template.parse("${image.api}") else { Issue.record("expected failure"); return }
        #expect(e2.message.contains("KIND.NAME.OUTPUT"))
        guard case .failure(let e3) = Template.parse("${var.a.b}") else { Issue.record("expected failure"); return }
        #expect(e3.message.contains("exactly one name"))
    }
}

@Suite struct SmallThingsTests {
    @Test(arguments: [("30s", 30.0), ("2m", 120.0), ("1h30m", 5400.0), ("500ms", 0.5), ("15", 15.0), ("1.5s", 1.5)])
    func durations(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "abc", "10x", "-5s", "s"])
    func badDurations(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func didYouMean() {
        #expect(Suggestion.closest(to: "comand", in: ["command", "dir", "env"]) == "command")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["command", "dir"]) == nil)
    }

    @Test func addresses() {
        #expect(ResourceAddress(parsing: "exec.build")?.kind == "exec")
        #expect(ResourceAddress(parsing: "exec") == nil)
        #expect(ResourceAddress(parsing: "exec.a.b") == nil)
        #expect(ResourceAddress(parsing: "1exec.a") == nil)
    }

    @Test func redactorMasksLongestFirst() {
        let r = Redactor(secrets: ["abcd", "abcdefgh", "xy"])
        #expect(r.redact("token=abcdefgh short=xy other=abcd") == "token=**** short=xy other=****")
    }

    @Test func schemaTypeChecks() {
        #expect(FieldType.int.check("3") == nil)
        #expect(FieldType.int.check("three") != nil)
        #expect(FieldType.list(.string).check([1, "a"]) == nil)
        #expect(FieldType.oneOf(["GET", "POST"]).check("GTE")?.contains("Did you mean \"GET\"") == true)
        #expect(FieldType.duration.check("10 minutes") != nil)
    }
}
