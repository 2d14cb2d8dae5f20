import Foundation
import OGFCore
import OGFHTTP

/// Builds a client from a resource's `kubeconfig`/`context` fields and the run's variables.
public struct ClusterAccess: Sendable {
    let http: any HTTPClient

    public init(http: any HTTPClient) { self.http = http }

    /// The connection fields every Kubernetes kind has (`connectionFields`), decoded. An empty
    /// string is "not set" (what the blueprint writes): `kubeconfig: ""` means $KUBECONFIG, else
    /// ~/.kube/config — resolving "" against the project would name the project folder.
    public struct Settings: Decodable, Sendable, Equatable {
        public var kubeconfig: String?
        public var context: String?
        public var namespace: String?

        public init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil) {
            self.kubeconfig = kubeconfig.flatMap { $0.isEmpty ? nil : $0 }
            self.context = context.flatMap { $0.isEmpty ? nil : $0 }
            self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
        }

        enum CodingKeys: String, CodingKey { case kubeconfig, context, namespace }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(kubeconfig: try c.decodeIfPresent(String.self, forKey: .kubeconfig),
                      context: try c.decodeIfPresent(String.self, forKey: .context),
                      namespace: try c.decodeIfPresent(String.self, forKey: .namespace))
        }
    }

    public func client(_ settings: Settings, context: KindContext) throws -> KubeClient {
        let kubeconfig = try Kubeconfig.load(explicitPath: settings.kubeconfig.map(context.path), variables: context.variables)
        let name = context.options[KubeContextOption.self] ?? settings.context
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
