import Foundation
import OGFCore
@testable import OGFKubernetes
import Testing

/// The API-response JSON reader agrees with JSONDecoder over `Value`, and rejects what is not JSON.
@Suite(.tags(.small))
struct JSONValueTests {
    @Test func agreesWithJSONDecoder() async throws {
        let text = #"""
        {"kind": "ConfigMapList", "items": [{"metadata": {"name": "a", "resourceVersion": "12", "labels": {}},
          "data": {"k": "v\"q\\ \/ \n\t\u00e9\ud83d\ude00", "empty": ""}}, [], [1, -2, 3.5, -0.25E-2]],
         "ok": true, "no": false, "none": null, "big": 9007199254740993, "nested": [[[{"x": [null]}]]] }
        """#
        let data = Data(text.utf8)
        let fast = try #require(JSONValue.parse(data))
        let codable = try JSONDecoder().decode(Value.self, from: data)
        #expect(fast == codable)
        #expect(fast["items"]?.listValue?.first?["data"]?["k"] == .string("v\"q\\ / \n\té😀"))
        #expect(fast["big"] == .int(9_007_199_254_740_993))
        #expect(fast["items"]?.listValue?[2] == .list([.int(1), .int(-2), .double(3.5), .double(-0.0025)]))
        // An exponent makes a double (JSONDecoder would make 1e3 an int; the API server writes none).
        #expect(JSONValue.parse(Data("1e3".utf8)) == .double(1000))
    }

    @Test func rejectsWhatIsNotJSON() {
        for bad in ["", "{", "{\"a\" 1}", "[1,]", "[1 2]", "\"open", "tru", "{\"a\":1} x", "\"\\x\"", "<html>"] {
            #expect(JSONValue.parse(Data(bad.utf8)) == nil, "\(bad)")
        }
    }
}
