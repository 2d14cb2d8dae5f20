/// Credentials for signing: long-lived keys or temporary ones with a session token.
/// `description` never shows the secret or the token.
public struct AWSCredentials: Sendable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they came from, for messages: "environment", "profile ogf in ~/.aws/credentials",
    /// "web identity (role arn:aws:iam::…)".
    public var source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public var description: String { "\(accessKeyId) from \(source)" }
}

/// A failure talking to AWS or finding credentials; the message never holds a secret.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status when AWS answered (403 for a bad signature or an unknown key).
    public var status: Int?
    /// AWS's error code, e.g. `SignatureDoesNotMatch`, `InvalidClientTokenId`, `AccessDenied`.
    public var code: String?
    public var message: String

    public init(_ message: String, status: Int? = nil, code: String? = nil) {
        self.message = message
        self.status = status
        self.code = code
    }

    public var description: String { message }
}
