/// What rules may know about the file being linted: its statements, its directives and the facts that depend on
/// statement order (which tables this file created, which statements share a transaction).
public struct MigrationContext: Sendable {
    public let file: String
    public let script: SQLScript
    public let directives: MigrationDirectives
    /// Ids of the rules the linter runs, so a directive naming any other rule can be reported.
    public let knownRuleIDs: Set<String>
    /// Table name → index of the statement that created it (or renamed a created table to it).
    private let tableCreations: [QualifiedName: Int]
    /// Per statement: the transaction it runs in, nil when it runs on its own (autocommit).
    private let transactions: [Int?]
    /// Per statement: its ALTER TABLE reading, parsed once because most rules need it.
    private let alterTables: [AlterTableStatement?]

    public init(file: String, script: SQLScript, directives: MigrationDirectives, knownRuleIDs: Set<String>) {
        self.file = file
        self.script = script
        self.directives = directives
        self.knownRuleIDs = knownRuleIDs
        alterTables = script.statements.map(AlterTableStatement.init)
        tableCreations = Self.findTableCreations(script.statements, alterTables: alterTables)
        transactions = Self.assignTransactions(script.statements, outsideTransaction: directives.runsOutsideTransaction)
    }

    public var statements: [SQLStatement] { script.statements }

    /// The statement read as an ALTER TABLE, or nil if it is something else.
    func alterTable(_ statement: SQLStatement) -> AlterTableStatement? {
        alterTables[statement.index]
    }

    /// Whether `table` (as written, e.g. `users` or `billing.invoices`) was created by a statement before
    /// `statementIndex`. Such a table is empty and unused by the running app, so lock rules do not apply to it.
    public func isTableCreated(_ table: String, before statementIndex: Int) -> Bool {
        isNewTable(QualifiedName(parts: table.split(separator: ".").map(String.init)), before: statementIndex)
    }

    func isNewTable(_ table: QualifiedName, before statementIndex: Int) -> Bool {
        tableCreations[table].map { $0 < statementIndex } ?? false
    }

    /// Whether the statement runs inside a transaction: always, unless the file says `-- ogf:no-transaction`;
    /// in such a file, only between an explicit BEGIN and COMMIT.
    public func runsInTransaction(_ statementIndex: Int) -> Bool {
        transactions[statementIndex] != nil
    }

    /// Whether two statements run in the same transaction, so locks taken by the first are still held by the second.
    public func shareTransaction(_ first: Int, _ second: Int) -> Bool {
        guard let transaction = transactions[first] else { return false }
        return transactions[second] == transaction
    }

    private static func findTableCreations(
        _ statements: [SQLStatement], alterTables: [AlterTableStatement?]
    ) -> [QualifiedName: Int] {
        var creations: [QualifiedName: Int] = [:]
        for statement in statements {
            if let create = CreateTableStatement(statement), creations[create.table] == nil {
                creations[create.table] = statement.index
            } else if let alter = alterTables[statement.index], creations[alter.table] != nil {
                for action in alter.actions {
                    if case .renameTable(let newName) = action.kind, creations[newName] == nil {
                        creations[newName] = statement.index
                    }
                }
            }
        }
        return creations
    }

    private static func assignTransactions(_ statements: [SQLStatement], outsideTransaction: Bool) -> [Int?] {
        // ogf wraps the whole file in one transaction unless told otherwise.
        guard outsideTransaction else { return statements.map { _ in 0 } }
        var result: [Int?] = []
        var current: Int?
        var count = 0
        for statement in statements {
            switch TransactionControl(statement) {
            case .begin?:
                count += 1
                current = count
                result.append(current)
            case .end?:
                result.append(current)
                current = nil
            case nil:
                result.append(current)
            }
        }
        return result
    }
}
