import OGFCore

/// `--context NAME`: the kubeconfig context to use instead of the configured or current one.
/// A saved plan keeps it, and `ogf apply FILE` refuses another.
public enum KubeContextOption: TextOptionKey {
    public static let name = "kubernetes.context"
}

/// `--force-conflicts`: server-side apply takes over fields another field manager owns instead
/// of failing on the conflict.
public enum ForceConflictsOption: FlagOptionKey {
    public static let name = "kubernetes.force_conflicts"
}
