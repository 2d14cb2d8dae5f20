import Foundation

/// Replaces secret values in free text (command output, server messages) with `****`.
public struct Redactor: Sendable {
    let secrets: [String]

    /// Values shorter than 4 characters are not masked: they would mangle ordinary text and
    /// cannot be meaningful secrets (gate_secret enforces a minimum length anyway).
    public init(secrets: some Sequence<String>) {
        self.secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: "****")
        }
        return out
    }
}
