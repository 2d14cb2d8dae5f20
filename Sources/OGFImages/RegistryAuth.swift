import Foundation

/// A `WWW-Authenticate` challenge: `Basic realm="..."` or
/// `Bearer realm="https://auth/token",service="registry",scope="repository:x:pull"`.
public struct AuthChallenge: Sendable, Equatable {
    public var scheme: String
    public var parameters: [String: String]

    public static func parse(_ header: String) -> AuthChallenge? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            return trimmed.isEmpty ? nil : AuthChallenge(scheme: trimmed.lowercased(), parameters: [:])
        }
        let scheme = trimmed[..<space].lowercased()
        var params: [String: String] = [:]
        var rest = Substring(trimmed[trimmed.index(after: space)...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var idx = rest.startIndex
                while idx < rest.endIndex {
                    let ch = rest[idx]
                    if escaped { value.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { break } else { value.append(ch) }
                    idx = rest.index(after: idx)
                }
                rest = idx < rest.endIndex ? rest[rest.index(after: idx)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            params[key] = value
        }
        return AuthChallenge(scheme: scheme, parameters: params)
    }
}

/// Why a registry refused: no credentials, wrong ones, or not allowed. Messages name the
/// registry, the user and where the credentials came from, never the password.
public struct RegistryAuthError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
