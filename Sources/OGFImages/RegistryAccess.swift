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
    var retries = 3
    var backoff = 0.25
    var scheme: String?

    static let fields: [FieldSpec] = [
        FieldSpec("username_env", .string, doc: "Environment variable holding the registry user name (default OGF_REGISTRY_USERNAME)."),
        FieldSpec("password_env", .string, doc: "Environment variable holding the registry password or token (default OGF_REGISTRY_PASSWORD)."),
        FieldSpec("docker_config", .string, doc: "A Docker config.json to read auths and credHelpers from (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)."),
        FieldSpec("registry_retries", .int, default: 3, doc: "Further attempts after a 5xx, 429 or network error, with exponential backoff."),
        FieldSpec("registry_scheme", .oneOf(["http", "https"]), doc: "Force http or https; default http for loopback registries, https otherwise."),
    ]

    init(http: any HTTPClient, helpers: any CredentialHelperRunner, config c: [String: Value], context: KindContext) {
        self.http = http
        self.helpers = helpers
        var env = ProcessInfo.processInfo.environment
        env.merge(context.variables) { $1 }
        environment = env
        if let u = c["username_env"]?.stringValue { usernameVariable = u }
        if let p = c["password_env"]?.stringValue { passwordVariable = p }
        dockerConfig = c["docker_config"]?.stringValue.map(context.path)
        retries = max(0, c["registry_retries"]?.intValue ?? 3)
        scheme = c["registry_scheme"]?.stringValue
    }

    func client(_ registry: String) -> RegistryClient {
        let creds = DockerCredentialStore(environment: environment, usernameVariable: usernameVariable, passwordVariable: passwordVariable,
                                          configPath: dockerConfig, helpers: helpers)
        return RegistryClient(registry: registry, http: http, credentials: creds, scheme: scheme, maxAttempts: retries + 1, backoff: backoff)
    }
}
