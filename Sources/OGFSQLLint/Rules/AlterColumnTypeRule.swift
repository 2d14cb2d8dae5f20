/// Rule 7: `ALTER COLUMN ... TYPE` rewrites the table unless the change is a known binary-coercible widening
/// (varchar(n) → varchar(m ≥ n) or text, varchar → text, numeric(p,s) → numeric(q ≥ p,s)).
///
/// The statement names only the new type. The old one is known only when this file declared the column
/// (ADD COLUMN or an earlier ALTER TYPE); otherwise the change is assumed to rewrite.
public struct AlterColumnTypeRule: LintRule {
    public static let id = "alter-column-type-rewrite"
    public static let severity = LintSeverity.error

    public init() {}

    private struct Column: Hashable {
        let table: QualifiedName
        let name: String
    }

    private static let typeEnd: Set<String> = ["COLLATE", "USING"]

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
                guard case .alterColumn(let name, let change) = action.kind else { continue }
                var cursor = TokenCursor(change)
                _ = cursor.skip("SET", "DATA")
                guard let typeToken = cursor.current, cursor.skip("TYPE") else { continue }
                let rest = cursor.rest
                let end = rest.topLevelIndices().first { rest[$0].isKeyword(in: Self.typeEnd) } ?? rest.endIndex
                let column = Column(table: alter.table, name: name)
                let old = knownTypes[column]
                let new = SQLTypeName(tokens: rest[rest.startIndex..<end])
                knownTypes[column] = new
                guard let new, !isNew else { continue }
                let hasUsing = rest.containsTopLevel(["USING"])
                if !hasUsing, let old, new.changeAvoidsRewrite(from: old) { continue }
                findings.append(finding(
                    in: migration, statement: statement, at: typeToken,
                    message: describe(column: name, table: alter.table, old: old, new: new, hasUsing: hasUsing),
                    whyDangerous: "Changing a column's type rewrites the whole table and rebuilds its indexes under an "
                        + "ACCESS EXCLUSIVE lock: the running app can neither read nor write the table meanwhile. The old "
                        + "app version may also not cope with values of the new type.",
                    safeAlternative: "Add a new column of the new type, write to both (trigger or app), backfill in "
                        + "batches, switch reads, then drop the old column in a later `-- ogf:breaking` migration. Only "
                        + "varchar(n) → varchar(m ≥ n)/text, text → varchar and numeric(p,s) → numeric(q ≥ p,s) avoid "
                        + "the rewrite; if that is the case here, record it with `-- ogf:allow \(Self.id) <reason>`."))
            }
        }
        return findings
    }

    private func describe(column: String, table: QualifiedName, old: SQLTypeName?, new: SQLTypeName, hasUsing: Bool)
        -> String
    {
        let change = old.map { "from \($0) to \(new)" } ?? "to \(new)"
        let note = hasUsing
            ? " with a USING conversion"
            : (old == nil ? " (its current type is not visible in this file, so a rewrite is assumed)" : "")
        return "Column \(column) of existing table \(table) changes type \(change)\(note)"
    }
}
