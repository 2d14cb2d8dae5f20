import Foundation
import OGFCore

/// One API resource as discovery describes it.
public struct APIResource: Sendable, Equatable {
    public var groupVersion: String
    public var kind: String
    /// The plural, lower-case name in URLs (`deployments`).
    public var name: String
    public var namespaced: Bool

    /// The collection path: `/apis/apps/v1/namespaces/ns/deployments` or `/api/v1/namespaces`.
    public func collectionPath(namespace: String?) -> String {
        let base = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        if namespaced, let namespace { return "\(base)/namespaces/\(namespace)/\(name)" }
        return "\(base)/\(name)"
    }

    public func path(namespace: String?, name object: String) -> String {
        collectionPath(namespace: namespace) + "/" + object
    }
}

/// Maps `apiVersion` + `kind` to REST resources from the server's discovery documents, so any
/// kind works, custom resources included. Each group/version is read once and cached.
public actor Discovery {
    let client: KubeClient
    /// One request per group/version, shared by the callers that ask while it is in flight
    /// (16 parallel lookups would otherwise send 16 identical GETs).
    var cache: [String: Task<[APIResource], Error>] = [:]

    public init(client: KubeClient) { self.client = client }

    public func resource(apiVersion: String, kind: String) async throws -> APIResource {
        let list = try await resources(groupVersion: apiVersion)
        guard let r = list.first(where: { $0.kind == kind }) else {
            throw KubernetesError("the API server has no kind \(kind) in \(apiVersion) (discovery lists: \(list.map(\.kind).sorted().joined(separator: ", ")))")
        }
        return r
    }

    public func resources(groupVersion: String) async throws -> [APIResource] {
        if let c = cache[groupVersion] { return try await c.value }
        let client = self.client
        // Unstructured, because it outlives the caller that started it when others wait on it.
        let task = Task { try await Self.fetch(groupVersion, client: client) }
        cache[groupVersion] = task
        do {
            return try await task.value
        } catch {
            // A failure is not remembered: the next caller asks again.
            if cache[groupVersion] == task { cache[groupVersion] = nil }
            throw error
        }
    }

    static func fetch(_ groupVersion: String, client: KubeClient) async throws -> [APIResource] {
        let path = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        let doc: Value
        do {
            doc = try await client.request("GET", path)
        } catch let e as KubeAPIError where e.isNotFound {
            throw KubernetesError("the API server does not serve \(groupVersion)")
        }
        let list: [APIResource] = (doc["resources"]?.listValue ?? []).compactMap { r in
            guard let name = r["name"]?.stringValue, !name.contains("/"), let kind = r["kind"]?.stringValue else { return nil }
            return APIResource(groupVersion: groupVersion, kind: kind, name: name, namespaced: r["namespaced"]?.boolValue ?? false)
        }
        return list
    }
}

extension Discovery {
    /// The REST resource of a manifest object. A kind or API version the server does not have
    /// names the file and line the object came from.
    public func resource(of o: ManifestObject) async throws -> APIResource {
        do {
            return try await resource(apiVersion: o.apiVersion, kind: o.kind)
        } catch let e as KubernetesError {
            throw KubernetesError("\(o.position): \(o.kind.lowercased())/\(o.name): \(e)")
        }
    }
}
