import Testing
@testable import OGFYAML
import OGFCore

@Suite struct YAMLParserTests {
    @Test func locationsAreOneBased() {
        let (doc, diags) = YAMLParser().parse("a: 1\nb:\n  c: [x, y]\n", file: "f.yaml")
        #expect(diags.isEmpty)
        #expect(doc["a"]?.location == SourceLocation(file: "f.yaml", line: 1, column: 4))
        #expect(doc["b"]?["c"]?.sequence?[1].location == SourceLocation(file: "f.yaml", line: 3, column: 10))
    }

    @Test func scalarsResolveWithTheCoreSchema() {
        let (doc, _) = YAMLParser().parse("i: 3\nf: 1.5\nb: true\nn: ~\ns: '3'\nt: hello\nv: 1.2.3\n", file: "f")
        #expect(doc["i"]?.typedScalar == .int(3))
        #expect(doc["f"]?.typedScalar == .double(1.5))
        #expect(doc["b"]?.typedScalar == .bool(true))
        #expect(doc["n"]?.typedScalar == .null)
        #expect(doc["s"]?.typedScalar == .string("3"))
        #expect(doc["t"]?.typedScalar == .string("hello"))
        #expect(doc["v"]?.typedScalar == .string("1.2.3"))
    }

    @Test func duplicateKeysAreErrorsAtTheSecondKey() {
        let (_, diags) = YAMLParser().parse("a: 1\nb: 2\na: 3\n", file: "f.yaml")
        #expect(diags.map(\.description).first?.hasPrefix("f.yaml:3:1: error: duplicate key \"a\"") == true)
        #expect(diags.first?.detail?.contains("f.yaml:1:1") == true)
    }

    @Test func duplicateKeysInLargeMappingsPointAtTheFirst() {
        // Small mappings are searched, large ones indexed: both must name the first occurrence.
        var lines = (0..<40).map { "k\($0): \($0)" }
        lines.insert("k2: again", at: 10)   // line 11, while the mapping is small
        lines.append("k5: again")           // line 42, once it is large
        lines.append("k5: third")           // line 43
        let (_, diags) = YAMLParser().parse(lines.joined(separator: "\n") + "\n", file: "f.yaml")
        #expect(diags.map(\.description).map { String($0.prefix(37)) } == [
            "f.yaml:11:1: error: duplicate key \"k2", "f.yaml:42:1: error: duplicate key \"k5", "f.yaml:43:1: error: duplicate key \"k5",
        ])
        #expect(diags.map { $0.detail?.contains("f.yaml:3:1") == true } == [true, false, false])
        #expect(diags.dropFirst().allSatisfy { $0.detail?.contains("f.yaml:6:1") == true })
    }

    @Test func syntaxErrorsCarryAPosition() {
        let (_, diags) = YAMLParser().parse("a: [1, 2\nb: 3\n", file: "f.yaml")
        #expect(diags.count == 1)
        #expect(diags[0].summary.hasPrefix("invalid YAML"))
        #expect(diags[0].location?.file == "f.yaml")
        #expect((diags[0].location?.line ?? 0) >= 1)
    }

    @Test func billionLaughsIsRejectedQuicklyWithoutExpanding() {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...30 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        var diags: [Diagnostic] = []
        let elapsed = clock.measure { diags = YAMLParser().parse(text, file: "bomb.yaml").diagnostics }
        #expect(diags.contains { $0.summary.contains("aliases expand to more than") })
        // A generous bound: expansion would take far longer than this (9^30 nodes).
        #expect(elapsed < .seconds(5))
    }

    @Test func smallAliasesAndMergeKeysWork() {
        let (doc, diags) = YAMLParser().parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", file: "f")
        #expect(diags.isEmpty)
        #expect(doc["use"]?.value == .map(["x": 1, "y": 3]))
    }

    @Test func unknownAnchorIsAnError() {
        let (_, diags) = YAMLParser().parse("a: *nope\n", file: "f")
        #expect(diags.contains { $0.summary.contains("unknown YAML anchor") })
    }

    @Test func severalDocuments() {
        let (docs, diags) = YAMLParser().parseAll("a: 1\n---\nb: 2\n", file: "f")
        #expect(diags.isEmpty)
        #expect(docs.count == 2)
    }
}
