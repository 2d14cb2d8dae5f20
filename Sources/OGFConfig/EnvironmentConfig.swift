import OGFCore

/// One resource as configured: its address, its fields as expressions, its explicit
/// dependencies, and where it was written.
public struct ResourceConfig: Sendable {
    public var address: ResourceAddress
    /// The location of the `kind.name:` key.
    public var location: SourceLocation
    /// Kind-specific fields (meta-arguments such as `depends_on` are taken out).
    public var fields: [String: Expr]
    public var fieldLocations: [String: SourceLocation]
    public var dependsOn: [(address: ResourceAddress, location: SourceLocation)]
    public var description: String?
    /// Addresses written in a kind's address-list fields (`FieldSpec.addresses`: a watch's
    /// `after`, `rollback`): dependencies as `depends_on` is, checked at their own lines.
    public var addressFields: [(field: String, address: ResourceAddress, location: SourceLocation)] = []
    /// `checklist_name:`: the line this resource answers in `ogf checklist`, over its kind's.
    public var checklistName: String?

    /// Resources this one references through `${kind.name.output}`.
    public var referencedResources: [(address: ResourceAddress, location: SourceLocation)] {
        fields.keys.sorted().flatMap { k in
            fields[k]!.references.compactMap { ref, loc -> (ResourceAddress, SourceLocation)? in
                if case .resource(let a, _) = ref { return (a, loc) }
                return nil
            }
        }
    }

    /// Every dependency: explicit ones and references, without duplicates, sorted.
    public var dependencies: [ResourceAddress] {
        // Order does not matter before the sort, so the fields are not sorted and no locations are
        // kept: graph building and planning ask this of every resource.
        var all = Set(dependsOn.map(\.address))
        for f in addressFields { all.insert(f.address) }
        for expr in fields.values { expr.collectResourceAddresses(into: &all) }
        return all.sorted()
    }
}

/// A variable definition: from the blueprint (a default) or the environment (an override).
public struct VariableConfig: Sendable {
    public var name: String
    public var expr: Expr
    public var location: SourceLocation
}

/// An environment's whole configuration after includes are read: what the planner works from.
public struct EnvironmentConfig: Sendable {
    public var name: String
    public var isProtected: Bool
    /// The environment file, relative to the project root.
    public var file: String
    public var envFile: String?
    /// Values from `env_file`; the process environment takes precedence over them.
    public var envFileValues: [String: String]
    public var variables: [String: VariableConfig]
    public var resources: [ResourceAddress: ResourceConfig]
    /// Every file read, in order, relative to the root.
    public var inputFiles: [String]
    /// SHA-256 over the paths and contents of every file read: a saved plan records it.
    public var inputDigest: String
    /// `policy:` of the environment file: deploy windows, changelog, exemptions.
    public var policy: PolicyConfig?
    /// `promotion:` of the environment file: the environment whose release this one promotes.
    public var promotion: PromotionConfig?
    /// `state:` of the environment file: where its state lives (nil: `state/<ENV>.json`).
    public var state: StateConfig?
    /// `records:` of the environment file: where reports and the status page go.
    public var records: RecordsConfig?
    /// `notify:` of the environment file, unevaluated (it may use `${var.X}` and `${secret.X}`);
    /// the telemetry sinks type it when a run starts.
    public var notify: Expr?
    public var notifyLocation: SourceLocation?

    public var sortedAddresses: [ResourceAddress] { resources.keys.sorted() }
}

/// `records: {report_dir, status_page, report_url}`: files written after each apply and rollback.
public struct RecordsConfig: Sendable {
    /// Folder (relative to the project) for one report per run: `<run>.md`, `.html`, `.json`.
    public var reportDir: String?
    /// Folder for the static status page (`index.html`), rewritten after each run.
    public var statusPage: String?
    /// Where `report_dir` is published (a URL prefix), for links in notifications.
    public var reportURL: String?
    public var location: SourceLocation

    public init(reportDir: String? = nil, statusPage: String? = nil, reportURL: String? = nil, location: SourceLocation) {
        self.reportDir = reportDir
        self.statusPage = statusPage
        self.reportURL = reportURL
        self.location = location
    }
}
