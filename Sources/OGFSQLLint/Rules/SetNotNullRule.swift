/// Rule 5: `ALTER COLUMN ... SET NOT NULL` on an existing table scans it under an ACCESS EXCLUSIVE lock,
/// unless a validated `CHECK (col IS NOT NULL)` already proves the column has no NULLs (PostgreSQL 12+): added and
/// validated earlier in this file, in an earlier file of the plan, or already in the catalog.
public struct SetNotNullRule: LintRule {
    public static let id = "set-not-null"
    public static let severity = LintSeverity.error
    public static let dependsOnTableSize = true

    public init() {}

    private struct Column: Hashable {
        let table: QualifiedName
        let name: String
    }

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        // Walk in file order: the safe recipe's CHECK and VALIDATE have to come before the SET NOT NULL.
        var unvalidatedChecks: [QualifiedName: [String: String]] = [:]  // table → constraint → column
        var provenColumns: Set<Column> = []
        var findings: [LintFinding] = []
        for statement in migration.statements {
            guard let alter = migration.alterTable(statement) else { continue }
            for action in alter.actions {
                switch action.kind {
                case .addConstraint(let constraint):
                    guard let column = constraint.notNullCheckColumn else { break }
                    if !constraint.isNotValid {
                        provenColumns.insert(Column(table: alter.table, name: column))
                    } else if let name = constraint.name {
                        unvalidatedChecks[alter.table, default: [:]][name] = column
                    }
                case .validateConstraint(let name):
                    if let column = unvalidatedChecks[alter.table]?[name] {
                        provenColumns.insert(Column(table: alter.table, name: column))
                    }
                case .alterColumn(let column, let change):
                    let cursor = TokenCursor(change)
                    guard cursor.isLooking(at: "SET", "NOT", "NULL"),
                          !migration.isNewTable(alter.table, before: statement.index),
                          !provenColumns.contains(Column(table: alter.table, name: column)),
                          !migration.memory.provesNotNull(column, in: alter.table) else { break }
                    var why = ""
                    switch migration.catalog?.notNullProof(table: alter.table, column: column) {
                    case .known(.alreadyNotNull)?, .known(.validatedCheck)?:
                        continue
                    case .known(.unproven)?:
                        why = ": the catalog has no validated CHECK (\(column) IS NOT NULL) on it"
                    case .unknown(let reason)?:
                        why = " (whether a validated CHECK proves it is unknown: \(reason))"
                    case nil:
                        break
                    }
                    findings.append(finding(
                        in: migration, statement: statement, at: cursor.current,
                        message: "SET NOT NULL on column \(column) of existing table \(alter.table)\(why)",
                        whyDangerous: "SET NOT NULL scans the whole table to prove there are no NULLs while holding an "
                            + "ACCESS EXCLUSIVE lock: every read and write of the running app waits for the scan.",
                        safeAlternative: "ADD CONSTRAINT c CHECK (\(column) IS NOT NULL) NOT VALID; then, in a separate "
                            + "transaction, VALIDATE CONSTRAINT c (only a SHARE UPDATE EXCLUSIVE lock); then SET NOT NULL, "
                            + "which on PostgreSQL 12+ uses the valid check instead of scanning; then DROP CONSTRAINT c. "
                            + "The three steps may be three migrations: ogf reads the validated check from the catalog.",
                        table: alter.table))
                default:
                    break
                }
            }
        }
        return findings
    }
}
