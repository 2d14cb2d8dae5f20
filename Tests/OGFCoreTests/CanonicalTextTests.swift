import OGFCore
import Testing

/// Canonical text is hashed into afterDigest and saved plans: its bytes must not change.
@Suite struct CanonicalTextTests {
    @Test func stringsAreQuotedAsQuotedQuotesThem() {
        for s in ["", "plain", "q\"b\\s/", "\u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1b}\u{1f}\u{7f}", "\u{2028}é😀", "e\u{301}"] {
            #expect(Value.string(s).canonicalText == Value.quoted(s), "\(s.debugDescription)")
        }
    }

    @Test func knownForms() {
        let v: Value = ["b": [1, 2.5, true, .null], "a": ["z": .unknown, "y": .sensitive("s"), "x": .redacted("h")], "c\n": "x"]
        #expect(v.canonicalText == #"{"a":{"x":{"$sensitive":"h"},"y":{"$sensitive":"s"},"z":{"$unknown":true}},"b":[1,2.5,true,null],"c\n":"x"}"#)
        #expect(Value.double(1e20).canonicalText == "1e+20")
        #expect(Value.double(3.0).canonicalText == "3")
        #expect(Value.double(0.1).canonicalText == "0.1")
    }

    @Test func sha256OfTextIsTheStandardDigest() {
        #expect(ContentHash.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.sha256("é" + String(repeating: "x", count: 100)) == ContentHash.sha256(Array(("é" + String(repeating: "x", count: 100)).utf8)))
    }
}
