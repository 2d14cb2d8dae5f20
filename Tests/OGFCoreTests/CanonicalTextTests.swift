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
}
