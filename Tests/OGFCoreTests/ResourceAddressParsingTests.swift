@testable import OGFCore
import Testing

/// `ResourceAddress(parsing:)` scans bytes; it must accept exactly what splitting on "." did.
@Suite struct ResourceAddressParsingTests {
    static func reference(_ text: String) -> ResourceAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, ResourceAddress.isIdentifier(parts[0]), ResourceAddress.isIdentifier(parts[1]) else { return nil }
        return ResourceAddress(kind: String(parts[0]), name: String(parts[1]))
    }

    @Test func agreesWithSplitting() {
        let texts = ["exec.a", "exec.build-1", "_x._y", "a.b.c", "a.", ".a", ".", "", "a", "a..b", "1a.b", "a.1b", "-a.b", "a.-b", "a-.b_",
                     "é.a", "a.é", "exec.a b", "exec.a\n", "k8s_manifest.api", "A.Z", "a.b-", "a.b9", "ab.", "a$.b", "exec.日本"]
        for t in texts { #expect(ResourceAddress(parsing: t) == Self.reference(t), "\(t)") }
    }
}

/// `Template.parse` scans bytes for ASCII text; it must give what the scan over characters gives.
@Suite struct TemplateASCIIParsingTests {
    @Test func agreesWithTheCharacterScan() {
        var g = SystemRandomNumberGenerator()
        let pieces = ["$", "{", "}", "${", "$${", "var.x", "env.HOME", "secret.s", "exec.a.exit_code", "exec.a", " ", ".", "a", "\n", "\t", "x.y.z"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...8, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
            let fast = Template.parseASCII(text), slow = Template.parseCharacters(text)
            #expect(fast == slow, "\(text.debugDescription)")
        }
    }
}
