import OGFCore
import OGFHTTP

/// The Kubernetes kinds, with their real side effects.
public enum KubernetesKinds {
    public static func all(http: any HTTPClient = CurlHTTPClient()) -> [any ResourceKind] {
        [K8sManifestKind(http: http), GateKubernetesKind(http: http)]
    }
}
