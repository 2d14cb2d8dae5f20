import OGFCore

/// Rollbacks must not take code back across a migration marked `-- ogf:breaking`: the old code
/// cannot run against the new schema. The planner asks before it plans a rollback.
extension PostgresSchemaKind: SchemaGuardKind {
    public func breakingChanges(after version: Int, prior: ResourceState, context: KindContext) throws -> [String] {
        guard let current = prior.outputs["version"]?.intValue, current > version,
              let folder = prior.attributes["migrations"]?.stringValue else { return [] }
        let (migrations, _) = try MigrationFolder.read(folder, root: context.projectRoot,
                                                       layout: prior.attributes["layout"]?.stringValue.flatMap(MigrationLayout.init(rawValue:)) ?? .ogf)
        return migrations.migrations
            .filter { $0.version > version && $0.version <= current && $0.directives.breaking }
            .map { "\($0.fileName) (-- ogf:breaking)" }
    }
}
