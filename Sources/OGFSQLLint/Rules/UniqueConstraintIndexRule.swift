/// Rule 9: UNIQUE and PRIMARY KEY constraints on an existing table must adopt an index built concurrently
/// beforehand (`USING INDEX`), not build one under the ALTER TABLE lock.
public struct UniqueConstraintIndexRule: StatementLintRule {
    public static let id = "unique-constraint-without-index"
    public static let severity = LintSeverity.error

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
                    guard !constraint.adoptsExistingIndex else { return nil }
                    let kind = constraint.kind == .unique ? "UNIQUE" : "PRIMARY KEY"
                    return finding(
                        in: migration, statement: statement, at: action.firstToken,
                        message: "\(kind) constraint added to existing table \(alter.table) without USING INDEX",
                        whyDangerous: Self.danger, safeAlternative: Self.alternative)
                case .exclude:
                    return finding(
                        in: migration, statement: statement, at: action.firstToken,
                        message: "EXCLUDE constraint added to existing table \(alter.table)",
                        whyDangerous: Self.danger + " EXCLUDE constraints cannot adopt a prebuilt index.",
                        safeAlternative: "Create it while the table is new or small, or in a maintenance window with "
                            + "`-- ogf:allow \(Self.id) <reason>`.")
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
                    safeAlternative: "Add the column without the constraint, then: " + Self.alternative)
            default:
                return nil
            }
        }
    }
}
