import OGFCore
import OGFHTTP

/// The Kubernetes kinds, with their real side effects.
public enum KubernetesKinds {
    /// Both kinds share `http`, so every request of a run to one API server goes through one
    /// connection pool (kept-alive connections); the default makes one client per call.
    public static func all(http: any HTTPClient = CurlHTTPClient()) -> [any ResourceKind] {
        [K8sManifestKind(http: http), GateKubernetesKind(http: http)]
    }
}
