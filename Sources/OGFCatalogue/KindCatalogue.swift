import OGFCloud
import OGFCore
import OGFDatabase
import OGFHTTP
import OGFImages
import OGFKinds
import OGFKubernetes
import OGFSupport

/// The side effects kinds are built with. Commands hand in the real ones; tests hand in
/// loopback or scripted versions.
public struct KindDependencies: Sendable {
    public var http: any HTTPClient
    public var processes: any ProcessRunner

    public init(http: any HTTPClient = CurlHTTPClient(), processes: any ProcessRunner = SpawnProcessRunner()) {
        self.http = http
        self.processes = processes
    }
}

/// The one list of resource kinds. The workspace, `ogf kinds`, docs/kinds.md, the benchmark and
/// the tests all read it, so a kind cannot be known to one and missing from another: adding a
/// kind is one type in the target for its external system and one line here (and the generated
/// docs, which a test keeps in step).
public enum KindCatalogue {
    public static func kinds(_ deps: KindDependencies = KindDependencies()) -> [any ResourceKind] {
        [
            // Pre-flight gates and checks without an external system of their own (OGFKinds).
            GateEnvKind(),
            GateSecretKind(),
            CheckTCPKind(),
            CheckHTTPKind(http: deps.http),
            CheckPrometheusKind(http: deps.http),
            CheckTracesKind(http: deps.http),
            CheckLoadKind(),
            CheckTLSKind(),
            ExecKind(runner: deps.processes),
            GateGitSecretsKind(runner: deps.processes),
            // PostgreSQL and Redis (OGFDatabase).
            PostgresCheckKind(),
            PostgresBackupKind(processes: deps.processes),
            PostgresSchemaKind(processes: deps.processes),
            PostgresQueryKind(),
            GateCredentialAgeKind(aws: IAMAccessKeyAgeReader(keys: IAMAccessKeys(http: deps.http))),
            RedisCheckKind(),
            RedisCacheHitRateKind(),
            // OCI images and registries (OGFImages).
            ImageKind(http: deps.http),
            GateRegistryKind(http: deps.http),
            GateVulnerabilitiesKind(),
            // Kubernetes (OGFKubernetes).
            K8sManifestKind(http: deps.http),
            GateKubernetesKind(http: deps.http),
            WatchKind(http: deps.http),
            // Cloud and payment-provider credentials (OGFCloud).
            GateAWSKind(http: deps.http),
            GateGCPKind(http: deps.http),
            GateAzureKind(http: deps.http),
            GateStripeKind(http: deps.http),
        ]
    }

    /// The registry of every kind, with the given side effects.
    public static func registry(_ deps: KindDependencies = KindDependencies()) -> KindRegistry {
        KindRegistry(kinds(deps))
    }

    /// Every kind's name, sorted.
    public static var names: [String] { registry().names }
}
