/// Rule 13: a file that takes locks should set its own lock_timeout before it does.
///
/// ogf sets one from configuration, so this is a warning: the file should still state the budget it was
/// reviewed for, and it keeps that budget when run by hand.
public struct MissingLockTimeoutRule: LintRule {
    public static let id = "missing-lock-timeout"
    public static let severity = LintSeverity.warning

    public init() {}

    private static let lockingVerbs: Set<String> = [
        "ALTER", "DROP", "TRUNCATE", "LOCK", "REINDEX", "CLUSTER", "VACUUM", "REFRESH", "COMMENT", "GRANT", "REVOKE",
    ]

    public func check(_ migration: MigrationContext) -> [LintFinding] {
        var timeout: (statementIndex: Int, isLocal: Bool)?
        for statement in migration.statements {
            if let setting = LockTimeoutSetting(statement) {
                timeout = setting.setsTimeout ? (statement.index, setting.isLocal) : nil
                continue
            }
            guard Self.takesLocks(statement) else { continue }
            if let timeout, !timeout.isLocal || migration.shareTransaction(timeout.statementIndex, statement.index) {
                continue
            }
            let localNote = timeout.map { _ in " (a SET LOCAL earlier ended with its transaction)" } ?? ""
            return [finding(
                in: migration, line: statement.line, column: statement.column, statementIndex: nil,
                message: "This statement takes locks but the file sets no lock_timeout before it\(localNote)",
                whyDangerous: "A DDL statement waiting for its lock sits at the head of the lock queue and every app "
                    + "query on the table queues behind it: one long transaction turns a millisecond ALTER into an "
                    + "outage. ogf applies its configured lock_timeout, but the file should carry the one it was "
                    + "reviewed with.",
                safeAlternative: "Start the file with SET lock_timeout = '5s'; (SET LOCAL in a transactional file) "
                    + "and let ogf retry the migration when it times out.")]
        }
        return []
    }

    /// Statements that take locks an app query can conflict with. Creating a brand-new table does not,
    /// unless it references, inherits or partitions an existing one.
    static func takesLocks(_ statement: SQLStatement) -> Bool {
        guard let first = statement.tokens.first else { return false }
        if first.isKeyword(in: lockingVerbs) { return true }
        guard first.isKeyword("CREATE") else { return false }
        if CreateIndexStatement(statement) != nil { return true }
        var cursor = TokenCursor(statement.tokens)
        cursor.skip("CREATE")
        if cursor.skip("OR", "REPLACE") || cursor.isLooking(at: "TRIGGER") || cursor.isLooking(at: "CONSTRAINT", "TRIGGER")
            || cursor.isLooking(at: "RULE") || cursor.isLooking(at: "POLICY") {
            return true
        }
        if CreateTableStatement(statement) != nil {
            return statement.tokens.contains { $0.isKeyword("REFERENCES") || $0.isKeyword("INHERITS") }
                || statement.tokens.containsTopLevel(["PARTITION", "OF"])
        }
        return false
    }
}
