import Foundation
import OGFCore
import OGFHTTP

/// Builds a client from a resource's `kubeconfig`/`context` fields and the run's variables.
public struct ClusterAccess: Sendable {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    public func client(_ config: [String: Value], context: KindContext) throws -> KubeClient {
        // An empty `kubeconfig:` means "not set" (what the blueprint writes): $KUBECONFIG, else
        // ~/.kube/config. Resolving "" against the project would name the project folder.
        let path = config["kubeconfig"]?.stringValue.flatMap { $0.isEmpty ? nil : context.path($0) }
        let kubeconfig = try Kubeconfig.load(explicitPath: path, variables: context.variables)
        let name = context.options[KubeContextOption.self] ?? config["context"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return KubeClient(connection: try kubeconfig.connection(context: name), http: http)
    }

    /// Turns transport and API errors into one readable line.
    public static func describe(_ error: Error, server: String) -> String {
        if let e = error as? HTTPError { return "the API server \(server) cannot be reached: \(e.message)" }
        return "\(error)"
    }

    static let connectionFields: [FieldSpec] = [
        FieldSpec("kubeconfig", .string, doc: "A kubeconfig file; default: $KUBECONFIG (several files, colon-separated), else ~/.kube/config."),
        FieldSpec("context", .string, doc: "The kubeconfig context; default: its current-context."),
        FieldSpec("namespace", .string, doc: "Namespace for objects that name none; default: the context's namespace."),
    ]
}
