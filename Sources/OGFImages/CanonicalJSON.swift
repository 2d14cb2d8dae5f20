import Foundation

/// JSON bytes that are the same on every machine: sorted keys, no whitespace, `/` unescaped.
/// Image configs and manifests are content-addressed, so their bytes are their identity.
enum CanonicalJSON {
    static func encode(_ object: Any) -> Data {
        // Only built from dictionaries, arrays, strings and integers here; cannot fail.
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func decode(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
