import OGFCore

/// The kinds of Kubernetes' own API groups, so `ogf validate` can catch a misspelled kind
/// (`Deploymnet`) without a server. Only these group/versions are checked: any other apiVersion
/// may be a custom resource, which only the server's discovery knows.
enum StandardKinds {
    static let byGroupVersion: [String: Set<String>] = [
        "v1": ["Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
               "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController", "ResourceQuota",
               "Secret", "Service", "ServiceAccount"],
        "apps/v1": ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
        "batch/v1": ["CronJob", "Job"],
        "networking.k8s.io/v1": ["Ingress", "IngressClass", "NetworkPolicy", "IPAddress", "ServiceCIDR"],
        "policy/v1": ["Eviction", "PodDisruptionBudget"],
        "autoscaling/v1": ["HorizontalPodAutoscaler", "Scale"],
        "autoscaling/v2": ["HorizontalPodAutoscaler"],
        "rbac.authorization.k8s.io/v1": ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        "scheduling.k8s.io/v1": ["PriorityClass"],
        "coordination.k8s.io/v1": ["Lease"],
        "discovery.k8s.io/v1": ["EndpointSlice"],
        "node.k8s.io/v1": ["RuntimeClass"],
        "events.k8s.io/v1": ["Event"],
        "apiextensions.k8s.io/v1": ["CustomResourceDefinition"],
    ]

    /// A problem with the object's kind, or nil when it is fine or cannot be told offline.
    static func problem(apiVersion: String, kind: String) -> String? {
        guard let kinds = byGroupVersion[apiVersion], !kinds.contains(kind) else { return nil }
        let hint = Suggestion.didYouMean(kind, kinds)
        return "\(apiVersion) has no kind \(kind)." + (hint.isEmpty ? " It has: \(kinds.sorted().joined(separator: ", "))." : hint)
    }
}
