import Foundation
import OGFCore
import OGFHTTP

/// Registry settings shared by the image kinds: where credentials come from and how hard to
/// retry. Builds one `RegistryClient` per registry host.
struct RegistryAccess: Sendable {
    let http: any HTTPClient
    let helpers: any CredentialHelperRunner
    var environment: [String: String]
    var usernameVariable = "OGF_REGISTRY_USERNAME"
    var passwordVariable = "OGF_REGISTRY_PASSWORD"
    var dockerConfig: String?
    var retries: Int
    var backoff = 0.25
    var scheme: String?

    static let fields: [FieldSpec] = [
        FieldSpec("username_env", .string, doc: "Environment variable holding the registry user name (default OGF_REGISTRY_USERNAME)."),
        FieldSpec("password_env", .string, doc: "Environment variable holding the registry password or token (default OGF_REGISTRY_PASSWORD)."),
        FieldSpec("docker_config", .string, doc: "A Docker config.json to read auths and credHelpers from (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)."),
        FieldSpec("registry_retries", .int, default: 3, doc: "Further attempts after a 5xx, 429 or network error, with exponential backoff."),
        FieldSpec("registry_scheme", .oneOf(["http", "https"]), doc: "Force http or https; default http for loopback registries, https otherwise."),
    ]

    /// The shared fields (`fields`), decoded from a kind's configuration with its own fields:
    /// `try RegistryAccess.Settings(from: decoder)`.
    struct Settings: Decodable, Sendable {
        var usernameEnv: String?
        var passwordEnv: String?
        var dockerConfig: String?
        var registryRetries: Int
        var registryScheme: String?

        enum CodingKeys: String, CodingKey {
            case usernameEnv = "username_env", passwordEnv = "password_env", dockerConfig = "docker_config"
            case registryRetries = "registry_retries", registryScheme = "registry_scheme"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            usernameEnv = try c.decodeIfPresent(String.self, forKey: .usernameEnv)
            passwordEnv = try c.decodeIfPresent(String.self, forKey: .passwordEnv)
            dockerConfig = try c.decodeIfPresent(String.self, forKey: .dockerConfig)
            registryRetries = try c.decode(Int.self, forKey: .registryRetries)
            registryScheme = try c.decodeIfPresent(String.self, forKey: .registryScheme)
            guard registryRetries >= 0 else { throw Diagnostic.field("registry_retries", "must be 0 or more, got \(registryRetries)") }
        }
    }

    init(http: any HTTPClient, helpers: any CredentialHelperRunner, settings s: Settings, context: KindContext) {
        self.http = http
        self.helpers = helpers
        var env = ProcessInfo.processInfo.environment
        env.merge(context.variables) { $1 }
        environment = env
        if let u = s.usernameEnv { usernameVariable = u }
        if let p = s.passwordEnv { passwordVariable = p }
        dockerConfig = s.dockerConfig.map(context.path)
        retries = s.registryRetries
        scheme = s.registryScheme
    }

    func client(_ registry: String) -> RegistryClient {
        let creds = DockerCredentialStore(environment: environment, usernameVariable: usernameVariable, passwordVariable: passwordVariable,
                                          configPath: dockerConfig, helpers: helpers)
        return RegistryClient(registry: registry, http: http, credentials: creds, scheme: scheme, maxAttempts: retries + 1, backoff: backoff)
    }
}
