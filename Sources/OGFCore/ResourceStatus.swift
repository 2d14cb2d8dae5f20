import Foundation

/// Whether a recorded resource can be trusted as it is, as Terraform's `states.ObjectStatus`.
public enum ResourceStatus: String, Sendable, Codable, Equatable {
    /// The last apply finished: attributes and outputs describe what exists.
    case ready
    /// The last apply failed: the next plan creates or replaces it. Its outputs are the last
    /// known good ones (references still resolve to them); the failure is recorded beside them.
    case tainted

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        switch raw {
        case "ready", "ok": self = .ready          // "ok" and "failed": state written before 0.2
        case "tainted", "failed": self = .tainted
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown resource status \"\(raw)\" (expected ready or tainted)"))
        }
    }
}

/// How the last apply of a resource failed, kept beside its last known good outputs.
public struct FailureRecord: Sendable, Codable, Equatable {
    public var message: String
    public var at: Date
    /// What the kind reported with the failure (an exit code, the output's tail).
    public var outputs: [String: Value]

    public init(message: String, at: Date, outputs: [String: Value] = [:]) {
        self.message = message
        self.at = at
        self.outputs = outputs
    }
}
