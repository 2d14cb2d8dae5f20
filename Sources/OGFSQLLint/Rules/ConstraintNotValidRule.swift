/// Rule 8: foreign keys and CHECK constraints added to an existing table must be `NOT VALID`, and validated in a
/// later transaction than the one that added them.
public struct ConstraintNotValidRule: LintRule {
    public static let id = "constraint-without-not-valid"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    public init() {}

    private static let safeAlternative = "Add the constraint with NOT VALID (checks only new and updated rows, lock "
        + "held briefly), then run ALTER TABLE ... VALIDATE CONSTRAINT in a later transaction: validation takes only "
        + "a SHARE UPDATE EXCLUSIVE lock, so the app keeps reading and writing. For a new column, add it first and "
        + "the constraint separately."
    private static let foreignKeyDanger = "Adding a foreign key checks every existing row while holding SHARE ROW "
        + "EXCLUSIVE locks on both tables (ACCESS EXCLUSIVE on this one when a column is added with it): the app's "
        + "writes to both tables wait for the whole scan."
    private static let checkDanger = "Adding a CHECK constraint scans every existing row while holding an ACCESS "
        + "EXCLUSIVE lock: the app's reads and writes of the table wait for the whole scan."

    /// A NOT VALID constraint added in this file, remembered to spot a VALIDATE in the same transaction.
    private struct PendingValidation: Hashable {
        let table: QualifiedName
        let name: String
    }

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        var addedNotValid: [PendingValidation: Int] = [:]
        var findings: [LintFinding] = []
        for statement in migration.statements {
            guard let alter = migration.alterTable(statement) else { continue }
            let isNew = migration.isNewTable(alter.table, before: statement.index)
            for action in alter.actions {
                switch action.kind {
                case .addConstraint(let constraint) where constraint.kind == .foreignKey || constraint.kind == .check:
                    if constraint.isNotValid {
                        if let name = constraint.name {
                            addedNotValid[PendingValidation(table: alter.table, name: name)] = statement.index
                        }
                    } else if !isNew {
                        let isForeignKey = constraint.kind == .foreignKey
                        findings.append(finding(
                            in: migration, statement: statement, at: action.firstToken,
                            message: "\(isForeignKey ? "FOREIGN KEY" : "CHECK") constraint "
                                + "\(constraint.name.map { "\($0) " } ?? "")added to existing table \(alter.table) "
                                + "without NOT VALID",
                            whyDangerous: isForeignKey ? Self.foreignKeyDanger : Self.checkDanger,
                            safeAlternative: Self.safeAlternative, table: alter.table))
                    }
                case .addColumn(let column) where !isNew:
                    for token in [column.referencesToken, column.checkToken].compactMap({ $0 }) {
                        let isForeignKey = token.isKeyword("REFERENCES")
                        findings.append(finding(
                            in: migration, statement: statement, at: token,
                            message: "Column \(column.name) added to existing table \(alter.table) with an inline "
                                + "\(isForeignKey ? "REFERENCES" : "CHECK") constraint, which cannot be NOT VALID",
                            whyDangerous: isForeignKey ? Self.foreignKeyDanger : Self.checkDanger,
                            safeAlternative: Self.safeAlternative, table: alter.table))
                    }
                case .validateConstraint(let name):
                    guard let added = addedNotValid[PendingValidation(table: alter.table, name: name)],
                          migration.shareTransaction(added, statement.index), !isNew else { break }
                    findings.append(finding(
                        in: migration, statement: statement, at: action.firstToken,
                        message: "Constraint \(name) is validated in the same transaction that added it NOT VALID",
                        whyDangerous: "The ACCESS EXCLUSIVE lock taken when the constraint was added is held until "
                            + "COMMIT, so the validation scan runs under it and the app is blocked just as without "
                            + "NOT VALID.",
                        safeAlternative: "VALIDATE CONSTRAINT in a separate transaction: a later migration, or a file "
                            + "marked `-- ogf:no-transaction` where each statement commits on its own.",
                        table: alter.table))
                default:
                    break
                }
            }
        }
        return findings
    }
}
