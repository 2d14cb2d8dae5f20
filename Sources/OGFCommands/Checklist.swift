import Foundation
import OGFConfig
import OGFCore

/// The mission's pre-flight deployment checklist: which resources answer it, and its YAML.
///
/// A resource is on the checklist when it is a gate or a check with a checklist name (its own
/// `checklist_name:`, else its kind's) and it is pre-flight: nothing it depends on, directly or
/// through others, is a managed resource or a step (backups, migrations, images, rollouts), and
/// it references no other resource's outputs (those exist only after an apply).
struct Checklist {
    /// The mission's checks in its order; other names follow, sorted.
    static let missionOrder = ["database_connection", "redis_connection", "jwt_secret_present", "stripe_keys_configured",
                               "aws_credentials_valid", "azure_credentials_valid", "gcp_credentials_valid",
                               "docker_registry_auth", "kubernetes_cluster_access"]

    struct Entry {
        var name: String
        var address: ResourceAddress
    }

    /// The resources to run, by checklist name, in the checklist's order.
    static func entries(_ config: EnvironmentConfig, _ registry: KindRegistry) -> [Entry] {
        var preflight: [ResourceAddress: Bool] = [:]
        func isPreflight(_ a: ResourceAddress, _ seen: Set<ResourceAddress>) -> Bool {
            if let known = preflight[a] { return known }
            guard let rc = config.resources[a], let kind = registry[a.kind], kind.role == .gate || kind.role == .check,
                  rc.referencedResources.isEmpty, !seen.contains(a) else { return false }
            let ok = rc.dependsOn.allSatisfy { isPreflight($0.address, seen.union([a])) }
            preflight[a] = ok
            return ok
        }
        var out: [Entry] = []
        for a in config.sortedAddresses {
            guard let rc = config.resources[a], let name = rc.checklistName ?? registry[a.kind]?.checklistName, isPreflight(a, []) else { continue }
            out.append(Entry(name: name, address: a))
        }
        func rank(_ n: String) -> Int { missionOrder.firstIndex(of: n) ?? missionOrder.count }
        return out.sorted { (rank($0.name), $0.name, $0.address) < (rank($1.name), $1.name, $1.address) }
    }

    struct Result {
        var name: String
        var passed: Bool
        var detail: String
    }

    /// Results with the same checklist name are one line: passed only if all passed.
    static func merge(_ results: [(Entry, passed: Bool, detail: String)]) -> [Result] {
        var out: [Result] = []
        for (entry, passed, detail) in results {
            if let i = out.firstIndex(where: { $0.name == entry.name }) {
                out[i].passed = out[i].passed && passed
                out[i].detail += "; \(entry.address): \(detail)"
            } else {
                let several = results.filter { $0.0.name == entry.name }.count > 1
                out.append(Result(name: entry.name, passed: passed, detail: several ? "\(entry.address): \(detail)" : detail))
            }
        }
        return out
    }

    /// The mission's shape: `environment`, `timestamp` (RFC 3339, UTC), `checks: [{name, status, detail}]`.
    static func yaml(environment: String, timestamp: Date, results: [Result]) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        var out = "environment: \(quote(environment))\ntimestamp: \(quote(f.string(from: timestamp)))\nchecks:\n"
        if results.isEmpty { out = String(out.dropLast()) + " []\n" }
        for r in results {
            out += "  - name: \(quote(r.name))\n    status: \(r.passed ? "passed" : "failed")\n    detail: \(quote(r.detail))\n"
        }
        return out
    }

    /// A YAML double-quoted scalar (JSON's escapes are valid there).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\u%04X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
