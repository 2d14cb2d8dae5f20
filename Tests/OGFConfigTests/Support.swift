import OGFConfig
import OGFCore
import OGFCatalogue

/// Loads an environment from an in-memory project folder at /p.
func load(_ files: [String: String], env: String = "test") -> (EnvironmentConfig?, Diagnostics) {
    var abs: [String: String] = [:]
    for (k, v) in files { abs["/p/" + k] = v }
    return ConfigLoader(root: "/p", reader: MemoryFileReader(abs), registry: KindCatalogue.registry()).load(environment: env)
}

/// Diagnostics as `file:line:column: error: summary` (first line only), sorted.
func lines(_ d: Diagnostics) -> [String] {
    d.sorted.map { String($0.description.split(separator: "\n").first ?? "") }
}
