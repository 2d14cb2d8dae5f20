import Foundation
import OGFCore
import OGFYAML

/// Reads `environments/<ENV>.yaml`, its includes under plans/ and its env file, and checks them
/// against the kinds' schemas. Every problem becomes a diagnostic; nothing runs.
public struct ConfigLoader: Sendable {
    public var root: String
    public var reader: any FileReader
    public var registry: KindRegistry

    static let environmentKeys = ["environment", "protected", "env_file", "include", "variables", "resources", "description", "policy", "promotion", "state", "records", "notify"]
    static let blueprintKeys = ["include", "variables", "resources", "description"]

    public init(root: String, reader: any FileReader = DiskFileReader(), registry: KindRegistry) {
        self.root = root
        self.reader = reader
        self.registry = registry
    }

    func absolute(_ rel: String) -> String {
        rel.hasPrefix("/") ? rel : (root as NSString).appendingPathComponent(rel)
    }

    /// The environments that exist, for "did you mean" and listings.
    public func availableEnvironments() -> [String] {
        reader.listDirectory(absolute("environments")).compactMap { f in
            f.hasSuffix(".yaml") ? String(f.dropLast(5)) : f.hasSuffix(".yml") ? String(f.dropLast(4)) : nil
        }.sorted()
    }

    /// Loads and checks an environment. Returns nil config only when it could not be read at all.
    public func load(environment: String) -> (config: EnvironmentConfig?, diagnostics: Diagnostics) {
        var state = LoadState()
        guard ResourceAddress.isIdentifier(environment) else {
            state.diags.append(.error("\"\(environment)\" is not a valid environment name", detail: "Use letters, digits, _ and -."))
            return (nil, state.diags)
        }
        var rel = "environments/\(environment).yaml"
        if !reader.fileExists(absolute(rel)), reader.fileExists(absolute("environments/\(environment).yml")) {
            rel = "environments/\(environment).yml"
        }
        guard reader.fileExists(absolute(rel)) else {
            let available = availableEnvironments()
            var detail = available.isEmpty ? "No environments found under \(absolute("environments"))." : "Available: \(available.joined(separator: ", "))."
            detail += Suggestion.didYouMean(environment, available)
            detail += " Run ogf from the project folder or pass -C DIR."
            state.diags.append(.error("no environment \"\(environment)\": \(rel) does not exist", detail: detail))
            return (nil, state.diags)
        }
        guard let doc = readYAML(rel, state: &state, includedFrom: nil) else { return (nil, state.diags) }
        guard let top = doc.mapping else {
            state.diags.append(.error("an environment file must be a mapping, found \(doc.kindName)", at: doc.location))
            return (nil, state.diags)
        }
        checkKeys(top, allowed: Self.environmentKeys, what: "environment file", state: &state)

        var config = EnvironmentConfig(name: environment, isProtected: false, file: rel, envFile: nil, envFileValues: [:],
                                       variables: [:], resources: [:], inputFiles: [], inputDigest: "")
        if let n = doc["environment"] {
            if let s = n.scalar {
                if s != environment {
                    state.diags.append(.error("environment: is \"\(s)\" but the file is \(rel)", detail: "Rename one of them so they agree.", at: n.location))
                }
            } else {
                state.diags.append(.error("environment: expected a string, found \(n.kindName)", at: n.location))
            }
        }
        if let n = doc["protected"] {
            if case .bool(let b)? = n.typedScalar { config.isProtected = b } else {
                state.diags.append(.error("protected: expected true or false", at: n.location))
            }
        }
        if let n = doc["env_file"] {
            if let path = n.scalar, !path.isEmpty {
                config.envFile = path
                if reader.fileExists(absolute(path)) {
                    do {
                        let text = try reader.readFile(absolute(path))
                        state.recordInput(path, text)
                        let (values, diags) = DotEnv.parse(text, file: path)
                        config.envFileValues = values
                        state.diags.append(contentsOf: diags)
                    } catch {
                        state.diags.append(.error("cannot read env_file \(path): \(error.localizedDescription)", at: n.location))
                    }
                } else {
                    state.diags.append(.error("env_file \(path) does not exist", detail: "Create it (dotenv syntax: KEY=value per line) or remove env_file.", at: n.location))
                }
            } else {
                state.diags.append(.error("env_file: expected a path", at: n.location))
            }
        }

        if let n = doc["state"] {
            var diags: [Diagnostic] = []
            config.state = StateConfigParser.parse(n, diagnostics: &diags)
            state.diags.append(contentsOf: diags)
        }

        if let n = doc["policy"] {
            var diags: [Diagnostic] = []
            config.policy = PolicyParser.parse(n, diagnostics: &diags)
            state.diags.append(contentsOf: diags)
        }
        if let n = doc["promotion"] {
            var diags: [Diagnostic] = []
            let known = Set(availableEnvironments())
            config.promotion = PromotionParser.parse(n, environment: environment, exists: { known.contains($0) }, diagnostics: &diags)
            state.diags.append(contentsOf: diags)
        }

        if let n = doc["records"] {
            if let pairs = n.mapping {
                var r = RecordsConfig(location: n.location)
                for p in pairs {
                    guard let key = p.key.scalar else { continue }
                    guard let v = p.value.scalar, !v.isEmpty else {
                        state.diags.append(.error("records.\(key): expected a path", code: .wrongType, at: p.value.location))
                        continue
                    }
                    switch key {
                    case "report_dir": r.reportDir = v
                    case "status_page": r.statusPage = v
                    case "report_url": r.reportURL = v
                    default:
                        state.diags.append(.error("records.\(key): unknown key", detail: "records takes report_dir, status_page and report_url."
                            + Suggestion.didYouMean(key, ["report_dir", "status_page", "report_url"]), code: .unknownField, at: p.key.location))
                    }
                }
                config.records = r
            } else {
                state.diags.append(.error("records: expected a mapping with report_dir, status_page or report_url, found \(n.kindName)", code: .wrongType, at: n.location))
            }
        }
        if let n = doc["notify"] {
            let sinks = ["grafana", "pushgateway", "otlp", "slack", "email", "timeout", "retries", "deadline"]
            if let pairs = n.mapping {
                for p in pairs {
                    guard let key = p.key.scalar, !sinks.contains(key) else { continue }
                    state.diags.append(.error("notify.\(key): unknown key", detail: "notify takes \(sinks.joined(separator: ", ")) (docs/records.md)."
                        + Suggestion.didYouMean(key, sinks), code: .unknownField, at: p.key.location))
                }
                var diags: [Diagnostic] = []
                config.notify = Expr.from(n, diagnostics: &diags)
                config.notifyLocation = n.location
                state.diags.append(contentsOf: diags)
            } else {
                state.diags.append(.error("notify: expected a mapping of sinks, found \(n.kindName)", code: .wrongType, at: n.location))
            }
        }

        // Blueprints first, so the environment's own variables override their defaults.
        var included = Set<String>()
        loadIncludes(of: doc, from: rel, chain: [rel], included: &included, state: &state)
        collect(doc, file: rel, isEnvironment: true, state: &state)

        config.variables = state.variables
        config.resources = state.resources
        config.inputFiles = state.inputFiles
        config.inputDigest = ContentHash.sha256(state.digestInput)
        SchemaChecker(registry: registry, variables: state.variables).check(config, into: &state.diags)
        return (config, state.diags)
    }

    struct LoadState {
        var diags = Diagnostics()
        var variables: [String: VariableConfig] = [:]
        var resources: [ResourceAddress: ResourceConfig] = [:]
        var inputFiles: [String] = []
        var digestInput = ""

        mutating func recordInput(_ path: String, _ text: String) {
            inputFiles.append(path)
            digestInput += "\(path)\n\(text.utf8.count)\n\(text)\n"
        }
    }

    func readYAML(_ rel: String, state: inout LoadState, includedFrom: SourceLocation?) -> YAMLNode? {
        let text: String
        do {
            text = try reader.readFile(absolute(rel))
        } catch {
            let reason = reader.fileExists(absolute(rel)) ? "it is not readable UTF-8 text" : "it does not exist"
            state.diags.append(.error("cannot read \(rel): \(reason)", code: .unreadableFile, at: includedFrom))
            return nil
        }
        state.recordInput(rel, text)
        let (doc, diags) = YAMLParser().parse(text, file: rel)
        state.diags.append(contentsOf: diags)
        if diags.contains(where: { $0.code == .yamlSyntax || $0.code == .yamlAliasLimit }) { return nil }
        return doc
    }

    func checkKeys(_ pairs: [(key: YAMLNode, value: YAMLNode)], allowed: [String], what: String, state: inout LoadState) {
        for p in pairs {
            guard let k = p.key.scalar else { continue }
            if !allowed.contains(k) {
                state.diags.append(.error("unknown key \"\(k)\" in \(what).\(Suggestion.didYouMean(k, allowed))",
                                          detail: "Allowed keys: \(allowed.joined(separator: ", ")).", at: p.key.location))
            }
        }
    }

    func loadIncludes(of doc: YAMLNode, from file: String, chain: [String], included: inout Set<String>, state: inout LoadState) {
        guard let inc = doc["include"] else { return }
        guard let items = inc.sequence else {
            state.diags.append(.error("include: expected a list of paths, found \(inc.kindName)", at: inc.location))
            return
        }
        for item in items {
            guard let path = item.scalar, !path.isEmpty else {
                state.diags.append(.error("include: each entry must be a path", at: item.location))
                continue
            }
            let rel = (path as NSString).standardizingPath
            if chain.contains(rel) {
                state.diags.append(.error("include cycle: \((chain + [rel]).joined(separator: " → "))", at: item.location))
                continue
            }
            if included.contains(rel) { continue }
            included.insert(rel)
            guard let sub = readYAML(rel, state: &state, includedFrom: item.location) else { continue }
            guard let pairs = sub.mapping else {
                state.diags.append(.error("an included blueprint must be a mapping, found \(sub.kindName)", at: sub.location))
                continue
            }
            checkKeys(pairs, allowed: Self.blueprintKeys, what: "blueprint", state: &state)
            loadIncludes(of: sub, from: rel, chain: chain + [rel], included: &included, state: &state)
            collect(sub, file: rel, isEnvironment: false, state: &state)
        }
    }

    /// Takes `variables:` and `resources:` from one file.
    func collect(_ doc: YAMLNode, file: String, isEnvironment: Bool, state: inout LoadState) {
        var exprDiags: [Diagnostic] = []
        defer { state.diags.append(contentsOf: exprDiags) }
        if let vars = doc["variables"] {
            if let pairs = vars.mapping {
                for p in pairs {
                    guard let name = p.key.scalar, ResourceAddress.isIdentifier(name) else {
                        state.diags.append(.error("invalid variable name", detail: "Use letters, digits, _ and -.", at: p.key.location))
                        continue
                    }
                    if !isEnvironment, let existing = state.variables[name] {
                        state.diags.append(.error("variable \"\(name)\" is defined twice", detail: "First defined at \(existing.location).", at: p.key.location))
                        continue
                    }
                    state.variables[name] = VariableConfig(name: name, expr: Expr.from(p.value, diagnostics: &exprDiags), location: p.key.location)
                }
            } else if vars.scalar.map({ !$0.isEmpty }) ?? true {
                state.diags.append(.error("variables: expected a mapping of name: value, found \(vars.kindName)", at: vars.location))
            }
        }
        guard let res = doc["resources"] else { return }
        guard let pairs = res.mapping else {
            if res.scalar.map({ !$0.isEmpty }) ?? true {
                state.diags.append(.error("resources: expected a mapping of <kind>.<name>: {...}, found \(res.kindName)", at: res.location))
            }
            return
        }
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            guard let address = ResourceAddress(parsing: key) else {
                state.diags.append(.error("\"\(key)\" is not a resource address", detail: "Resource keys are <kind>.<name>, for example exec.integration_tests.", at: p.key.location))
                continue
            }
            if registry[address.kind] == nil {
                state.diags.append(.error("unknown resource kind \"\(address.kind)\".\(Suggestion.didYouMean(address.kind, registry.names))",
                                          detail: "Known kinds: \(registry.names.joined(separator: ", ")).", code: .unknownKind, at: p.key.location))
                continue
            }
            if let existing = state.resources[address] {
                state.diags.append(.error("resource \(address) is defined twice", detail: "First defined at \(existing.location). Each address must be unique across the environment and its includes.", at: p.key.location))
                continue
            }
            var rc = ResourceConfig(address: address, location: p.key.location, fields: [:], fieldLocations: [:], dependsOn: [], description: nil)
            if let body = p.value.mapping {
                for f in body {
                    guard let fname = f.key.scalar else { continue }
                    switch fname {
                    case "depends_on":
                        guard let items = f.value.sequence else {
                            state.diags.append(.error("depends_on: expected a list of resource addresses", at: f.value.location))
                            continue
                        }
                        for item in items {
                            if let s = item.scalar, let a = ResourceAddress(parsing: s) {
                                rc.dependsOn.append((a, item.location))
                            } else {
                                state.diags.append(.error("depends_on: \"\(item.scalar ?? "")\" is not a resource address", detail: "Write <kind>.<name>, for example exec.integration_tests.", at: item.location))
                            }
                        }
                    case "description":
                        rc.description = f.value.scalar
                    case "checklist_name":
                        if let s = f.value.scalar, ResourceAddress.isIdentifier(s) {
                            rc.checklistName = s
                        } else {
                            state.diags.append(.error("checklist_name: expected a name such as jwt_secret_present", detail: "Use letters, digits, _ and -.", at: f.value.location))
                        }
                    default:
                        rc.fields[fname] = Expr.from(f.value, diagnostics: &exprDiags)
                        rc.fieldLocations[fname] = f.key.location
                        // Address lists (a watch's `after`, `rollback`) are dependencies too, so
                        // they are checked as `depends_on` is, at each entry's line.
                        if registry[address.kind]?.schema.field(fname)?.isAddressList == true, let items = f.value.sequence {
                            for item in items {
                                if let s = item.scalar, let a = ResourceAddress(parsing: s) {
                                    rc.addressFields.append((fname, a, item.location))
                                } else {
                                    state.diags.append(.error("\(fname): \"\(item.scalar ?? "")\" is not a resource address", detail: "Write <kind>.<name>, for example k8s_manifest.api.", at: item.location))
                                }
                            }
                        }
                    }
                }
            } else if p.value.scalar.map({ !$0.isEmpty }) ?? true {
                state.diags.append(.error("\(address): expected a mapping of fields, found \(p.value.kindName)", at: p.value.location))
                continue
            }
            state.resources[address] = rc
        }
    }
}
