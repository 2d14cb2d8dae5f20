import Foundation
import OGFCore

/// A run's trace: a random trace id and root span id, and a span id per resource derived from
/// them (so the applier can hand each exec step its `TRACEPARENT` before the span is exported).
public struct TraceIDs: Sendable, Equatable {
    /// 32 hex digits.
    public var traceID: String
    /// 16 hex digits.
    public var rootSpanID: String

    public init(traceID: String, rootSpanID: String) {
        self.traceID = traceID
        self.rootSpanID = rootSpanID
    }

    public static func random() -> TraceIDs {
        var g = SystemRandomNumberGenerator()
        func hex(_ n: Int) -> String {
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            if bytes.allSatisfy({ $0 == 0 }) { bytes[n - 1] = 1 }  // all-zero ids are invalid
            return Hex.encode(bytes)
        }
        return TraceIDs(traceID: hex(16), rootSpanID: hex(8))
    }

    /// The span id of one resource's span: the first 8 bytes of SHA-256(trace id, address).
    public func spanID(_ address: String) -> String {
        String(ContentHash.sha256("\(traceID)/\(address)").prefix(16))
    }

    /// W3C trace context `traceparent` naming `spanID` as the parent, sampled.
    public func traceparent(parent spanID: String) -> String { "00-\(traceID)-\(spanID)-01" }
}
