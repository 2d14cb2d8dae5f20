import Foundation

/// Finds credentials the way the AWS CLI does, first match wins:
///
/// 1. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) in the environment,
///    unless a profile was named explicitly (`profile:`, like `--profile`);
/// 2. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`),
///    or the profile's `web_identity_token_file` + `role_arn`, exchanged with STS
///    `AssumeRoleWithWebIdentity`;
/// 3. the profile (`profile:`, else `AWS_PROFILE`, else `default`) in the shared credentials
///    file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`);
/// 4. the same profile in the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`; sections are
///    `[profile NAME]`, and `[default]`).
///
/// Not supported (an error says so rather than a wrong identity): `source_profile` role chains,
/// `credential_process`, SSO, container and instance metadata.
public struct AWSCredentialChain: Sendable {
    /// The process environment (merged with the env file).
    public var environment: [String: String]
    /// Relative file paths in the environment resolve against this folder.
    public var baseDirectory: String
    public var readFile: @Sendable (String) -> String?

    public init(environment: [String: String], baseDirectory: String,
                readFile: @escaping @Sendable (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) {
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.readFile = readFile
    }

    /// What the chain found before any network call: keys, or a web identity to exchange.
    public enum Source: Sendable {
        case keys(AWSCredentials)
        case webIdentity(roleArn: String, tokenFile: String, sessionName: String)
    }

    func env(_ k: String) -> String? { environment[k].flatMap { $0.isEmpty ? nil : $0 } }

    func path(_ p: String) -> String {
        var p = p
        if p.hasPrefix("~/"), let home = env("HOME") { p = home + p.dropFirst(1) }
        return p.hasPrefix("/") ? p : (baseDirectory as NSString).appendingPathComponent(p)
    }

    /// The first source that applies; throws when none does, naming what was looked at.
    public func find(profile explicitProfile: String? = nil) throws -> Source {
        let explicit = explicitProfile.flatMap { $0.isEmpty ? nil : $0 }
        if explicit == nil, let id = env("AWS_ACCESS_KEY_ID") {
            guard let secret = env("AWS_SECRET_ACCESS_KEY") else {
                throw AWSError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both (and AWS_SESSION_TOKEN for temporary keys)")
            }
            return .keys(AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN"), source: "environment (AWS_ACCESS_KEY_ID)"))
        }
        if explicit == nil, let tokenFile = env("AWS_WEB_IDENTITY_TOKEN_FILE") {
            guard let role = env("AWS_ROLE_ARN") else {
                throw AWSError("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the role to assume")
            }
            return .webIdentity(roleArn: role, tokenFile: path(tokenFile), sessionName: env("AWS_ROLE_SESSION_NAME") ?? "ogf")
        }
        let profile = explicit ?? env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE") ?? "default"
        let credentialsFile = path(env("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials")
        let configFile = path(env("AWS_CONFIG_FILE") ?? "~/.aws/config")
        let credentials = readFile(credentialsFile).map(INIFile.init)?[profile]
        let config = readFile(configFile).map(INIFile.init)?[profile == "default" ? "default" : "profile \(profile)"]
        if let c = config, let tokenFile = c["web_identity_token_file"], let role = c["role_arn"] {
            return .webIdentity(roleArn: role, tokenFile: path(tokenFile), sessionName: c["role_session_name"] ?? "ogf")
        }
        for (section, file) in [(credentials, credentialsFile), (config, configFile)] {
            guard let s = section else { continue }
            if s["source_profile"] != nil || s["credential_process"] != nil || s["sso_session"] != nil || s["sso_start_url"] != nil {
                throw AWSError("profile \(profile) in \(file) uses source_profile, credential_process or SSO, which ogf does not support; use keys or web identity")
            }
            if let id = s["aws_access_key_id"] {
                guard let secret = s["aws_secret_access_key"], !secret.isEmpty else {
                    throw AWSError("profile \(profile) in \(file) has aws_access_key_id but no aws_secret_access_key")
                }
                return .keys(AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: s["aws_session_token"],
                                            source: "profile \(profile) in \(file)"))
            }
        }
        if explicit != nil || env("AWS_PROFILE") != nil {
            throw AWSError("profile \(profile) was not found with credentials in \(credentialsFile) or \(configFile)")
        }
        throw AWSError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (looked in the environment, \(credentialsFile) and \(configFile))")
    }

    /// Credentials ready to sign with: web identity is exchanged with `sts`.
    public func resolve(profile: String? = nil, sts: STSClient) async throws -> AWSCredentials {
        switch try find(profile: profile) {
        case .keys(let c):
            return c
        case .webIdentity(let role, let tokenFile, let session):
            guard let token = readFile(tokenFile)?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw AWSError("the web identity token file \(tokenFile) cannot be read or is empty")
            }
            return try await sts.assumeRoleWithWebIdentity(roleArn: role, sessionName: session, token: token)
        }
    }
}
