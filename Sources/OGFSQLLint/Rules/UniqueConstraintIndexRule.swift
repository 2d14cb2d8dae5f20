/// Rule 9: UNIQUE and PRIMARY KEY constraints on an existing table must adopt an index built concurrently
/// beforehand (`USING INDEX`), not build one under the ALTER TABLE lock. With a catalog, the adopted index is
/// looked up: an INVALID one (a failed concurrent build) or a PRIMARY KEY over nullable columns (PostgreSQL
/// then sets NOT NULL, scanning the table under the lock) is still a finding.
public struct UniqueConstraintIndexRule: StatementLintRule {
    public static let id = "unique-constraint-without-index"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    public init() {}

    private static let danger = "The constraint's unique index is built inside the ALTER TABLE, which holds an "
        + "ACCESS EXCLUSIVE lock for the whole build: the app can neither read nor write the table meanwhile."
    private static let alternative = "CREATE UNIQUE INDEX CONCURRENTLY idx ON t (cols) in a `-- ogf:no-transaction` "
        + "file, then ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX idx (or PRIMARY KEY USING INDEX idx, once the "
        + "columns are NOT NULL): adopting the index is instant."

    public func check(_ statement: SQLStatement, in migration: MigrationContext) -> [LintFinding] {
        guard let alter = migration.alterTable(statement), !migration.isNewTable(alter.table, before: statement.index)
        else { return [] }
        return alter.actions.compactMap { action in
            switch action.kind {
            case .addConstraint(let constraint):
                switch constraint.kind {
                case .unique, .primaryKey:
                    let kind = constraint.kind == .unique ? "UNIQUE" : "PRIMARY KEY"
                    guard !constraint.adoptsExistingIndex else {
                        return adoptedIndexProblem(constraint, kind: kind, statement: statement, action: action,
                                                   table: alter.table, in: migration)
                    }
                    return finding(
                        in: migration, statement: statement, at: action.firstToken,
                        message: "\(kind) constraint added to existing table \(alter.table) without USING INDEX",
                        whyDangerous: Self.danger, safeAlternative: Self.alternative, table: alter.table)
                case .exclude:
                    return finding(
                        in: migration, statement: statement, at: action.firstToken,
                        message: "EXCLUDE constraint added to existing table \(alter.table)",
                        whyDangerous: Self.danger + " EXCLUDE constraints cannot adopt a prebuilt index.",
                        safeAlternative: "Create it while the table is new or small, or in a maintenance window with "
                            + "`-- ogf:allow \(Self.id) <reason>`.", table: alter.table)
                default:
                    return nil
                }
            case .addColumn(let column):
                guard let token = column.primaryKeyToken ?? column.uniqueToken else { return nil }
                return finding(
                    in: migration, statement: statement, at: token,
                    message: "Column \(column.name) added to existing table \(alter.table) with an inline "
                        + "\(token.isKeyword("UNIQUE") ? "UNIQUE" : "PRIMARY KEY") constraint",
                    whyDangerous: Self.danger,
                    safeAlternative: "Add the column without the constraint, then: " + Self.alternative, table: alter.table)
            default:
                return nil
            }
        }
    }

    /// For `... USING INDEX idx`: a finding when the catalog shows the adoption is not instant.
    private func adoptedIndexProblem(
        _ constraint: TableConstraint, kind: String, statement: SQLStatement, action: AlterTableAction,
        table: QualifiedName, in migration: MigrationContext
    ) -> LintFinding? {
        guard let name = constraint.adoptedIndexName, let catalog = migration.catalog,
              migration.memory.indexes[name] == nil,
              case .known(let index?) = catalog.index(QualifiedName(parts: [name]))
        else { return nil }
        if !index.isValid {
            return finding(
                in: migration, statement: statement, at: action.firstToken,
                message: "\(kind) constraint on \(table) adopts index \(name), which is INVALID (a failed concurrent build)",
                whyDangerous: "PostgreSQL refuses an invalid index here, so the migration fails.",
                safeAlternative: "DROP INDEX CONCURRENTLY \(name), build it again with CREATE UNIQUE INDEX CONCURRENTLY, "
                    + "then adopt it.", table: table)
        }
        if constraint.kind == .primaryKey, !index.nullableColumns.isEmpty {
            let columns = index.nullableColumns.joined(separator: ", ")
            return finding(
                in: migration, statement: statement, at: action.firstToken,
                message: "PRIMARY KEY USING INDEX \(name) on \(table) over nullable column\(index.nullableColumns.count == 1 ? "" : "s") "
                    + "\(columns): PostgreSQL sets them NOT NULL, scanning the table",
                whyDangerous: "The implied SET NOT NULL scans the whole table under the ACCESS EXCLUSIVE lock of the ALTER "
                    + "TABLE: the running app can neither read nor write it meanwhile.",
                safeAlternative: "Make the columns NOT NULL first with the CHECK (col IS NOT NULL) NOT VALID → VALIDATE → "
                    + "SET NOT NULL recipe, then adopt the index.", table: table)
        }
        return nil
    }
}
