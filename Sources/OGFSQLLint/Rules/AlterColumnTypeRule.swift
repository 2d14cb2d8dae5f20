/// Rule 7: `ALTER COLUMN ... TYPE` rewrites the table unless the change is a known binary-coercible widening
/// (varchar(n) → varchar(m ≥ n) or text, varchar → text, numeric(p,s) → numeric(q ≥ p,s)).
///
/// The statement names only the new type. The old one comes from this file (ADD COLUMN or an earlier ALTER
/// TYPE), an earlier file of the plan, or the catalog; when none knows it, the change is assumed to rewrite and
/// the finding says why.
public struct AlterColumnTypeRule: LintRule {
    public static let id = "alter-column-type-rewrite"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    public init() {}

    private struct Column: Hashable {
        let table: QualifiedName
        let name: String
    }

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        var knownTypes: [Column: SQLTypeName] = [:]
        var findings: [LintFinding] = []
        for statement in migration.statements {
            guard let alter = migration.alterTable(statement) else { continue }
            let isNew = migration.isNewTable(alter.table, before: statement.index)
            for action in alter.actions {
                if case .addColumn(let definition) = action.kind, let type = definition.type {
                    knownTypes[Column(table: alter.table, name: definition.name)] = type
                }
                guard case .alterColumn(let name, let change) = action.kind, let typeChange = TypeChange(change)
                else { continue }
                let typeToken = typeChange.token
                let column = Column(table: alter.table, name: name)
                let new = typeChange.newType
                var unknownWhy: String?
                var old = knownTypes[column] ?? migration.memory.type(of: name, in: alter.table)
                if old == nil, !isNew {
                    (old, unknownWhy) = catalogType(of: name, in: alter.table, migration)
                }
                knownTypes[column] = new
                guard let new, !isNew else { continue }
                let hasUsing = typeChange.hasUsing
                if !hasUsing, let old, new.changeAvoidsRewrite(from: old) { continue }
                findings.append(finding(
                    in: migration, statement: statement, at: typeToken,
                    message: describe(column: name, table: alter.table, old: old, new: new, hasUsing: hasUsing,
                                      unknownWhy: unknownWhy),
                    whyDangerous: "Changing a column's type rewrites the whole table and rebuilds its indexes under an "
                        + "ACCESS EXCLUSIVE lock: the running app can neither read nor write the table meanwhile. The old "
                        + "app version may also not cope with values of the new type.",
                    safeAlternative: "Add a new column of the new type, write to both (trigger or app), backfill in "
                        + "batches, switch reads, then drop the old column in a later `-- ogf:breaking` migration. Only "
                        + "varchar(n) → varchar(m ≥ n)/text, text → varchar and numeric(p,s) → numeric(q ≥ p,s) avoid "
                        + "the rewrite; if that is the case here, record it with `-- ogf:allow \(Self.id) <reason>`.",
                    table: alter.table))
            }
        }
        return findings
    }

    /// The column's current type from the catalog, or why it is not known.
    private func catalogType(of column: String, in table: QualifiedName, _ migration: MigrationContext)
        -> (SQLTypeName?, String?)
    {
        guard let catalog = migration.catalog else {
            return (nil, "its current type is not visible in this file and it was \(MigrationContext.noCatalog)")
        }
        switch catalog.columnType(table: table, column: column) {
        case .known(let printed?):
            guard let type = SQLTypeName.parse(catalogType: printed) else {
                return (nil, "the catalog's type \(printed) could not be read")
            }
            return (type, nil)
        case .known(nil):
            return (nil, "the catalog has no column \(column) in \(table)")
        case .unknown(let reason):
            return (nil, "its current type is unknown: \(reason)")
        }
    }

    private func describe(
        column: String, table: QualifiedName, old: SQLTypeName?, new: SQLTypeName, hasUsing: Bool, unknownWhy: String?
    ) -> String {
        let change = old.map { "from \($0) to \(new)" } ?? "to \(new)"
        let note = hasUsing
            ? " with a USING conversion"
            : (old == nil ? " (\(unknownWhy ?? "its current type is not known"), so a rewrite is assumed)" : "")
        return "Column \(column) of existing table \(table) changes type \(change)\(note)"
    }
}
