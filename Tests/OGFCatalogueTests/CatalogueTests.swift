import Foundation
import OGFCore
import Testing
@testable import OGFCatalogue

/// The catalogue is the one list of kinds: these tests fail when a kind is registered without
/// documentation, or the documentation names a kind that is not registered.
@Suite struct CatalogueTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs").standardized

    @Test func namesAreUniqueAndWellFormed() {
        let names = KindCatalogue.kinds().map(\.name)
        #expect(Set(names).count == names.count, "a kind is listed twice: \(names)")
        for n in names {
            #expect(n.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil, "kind name \(n)")
        }
    }

    @Test func everyKindIsDocumentedInItsSchema() {
        for k in KindCatalogue.kinds() {
            #expect(!k.summary.isEmpty, "\(k.name) has no summary")
            for f in k.schema.fields { #expect(!f.doc.isEmpty, "\(k.name).\(f.name) has no doc") }
            for (o, doc) in k.outputs { #expect(!doc.isEmpty, "\(k.name) output \(o) has no doc") }
        }
    }

    @Test func kindsMarkdownIsGeneratedFromTheCatalogue() throws {
        let text = try String(contentsOf: Self.docs.appendingPathComponent("kinds.md"), encoding: .utf8)
        #expect(text == KindReference.markdown(KindCatalogue.registry()),
                "docs/kinds.md is out of date: run `ogf kinds --markdown > docs/kinds.md`")
        let sections = Set(text.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)) })
        #expect(sections == Set(KindCatalogue.names), "sections of docs/kinds.md vs registered kinds")
    }

    /// Any `kind.name` address written in code spans of the docs must use a registered kind.
    @Test func docsNameOnlyRegisteredKinds() throws {
        let known = Set(KindCatalogue.names)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.docs.path).filter { $0.hasSuffix(".md") }
        #expect(!files.isEmpty)
        let pattern = try NSRegularExpression(pattern: "`\\$?\\{?((?:gate|check|postgres|redis|k8s|image|exec)[a-z0-9_]*)\\.[a-z0-9_]+")
        var unknown: [String] = []
        for f in files {
            let text = try String(contentsOf: Self.docs.appendingPathComponent(f), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let kind = (text as NSString).substring(with: m.range(at: 1))
                if !known.contains(kind) { unknown.append("\(f): \(kind)") }
            }
        }
        #expect(unknown.isEmpty, "docs name kinds that are not registered: \(unknown)")
    }
}
