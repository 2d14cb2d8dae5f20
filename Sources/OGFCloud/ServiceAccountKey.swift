import Foundation

/// A Google service-account key file (`"type": "service_account"`), the fields the token
/// exchange needs. `description` never shows the private key.
struct ServiceAccountKey: Sendable, CustomStringConvertible {
    var clientEmail: String
    var privateKeyPEM: String
    var privateKeyID: String?
    var projectID: String?
    var tokenURI: String

    /// Parses the JSON; the error names the missing or wrong field, never the key's content.
    init(json: Data) throws {
        guard let obj = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw KeyError("the service-account key is not a JSON object; download a key (JSON) for the service account in the Google Cloud console")
        }
        let type = obj["type"] as? String
        guard type == "service_account" else {
            throw KeyError("the key's type is \(type.map { "\"\($0)\"" } ?? "missing"), not \"service_account\" (user credentials from gcloud auth cannot be checked this way)")
        }
        func field(_ k: String) throws -> String {
            guard let v = obj[k] as? String, !v.isEmpty else { throw KeyError("the service-account key has no \(k)") }
            return v
        }
        clientEmail = try field("client_email")
        privateKeyPEM = try field("private_key")
        tokenURI = (obj["token_uri"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "https://oauth2.googleapis.com/token"
        privateKeyID = obj["private_key_id"] as? String
        projectID = obj["project_id"] as? String
        guard privateKeyPEM.contains("-----BEGIN") else { throw KeyError("the service-account key's private_key is not a PEM key") }
    }

    var description: String { "service account \(clientEmail)" }

    struct KeyError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
