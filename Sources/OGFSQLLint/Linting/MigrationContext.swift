/// What rules may know about the file being linted: its statements, its directives and the facts that depend on
/// statement order (which tables this file created, which statements share a transaction).
public struct MigrationContext: Sendable {
    public let file: String
    public let script: SQLScript
    public let directives: MigrationDirectives
    /// Ids of the rules the linter runs, so a directive naming any other rule can be reported.
    public let knownRuleIDs: Set<String>
    /// The schema just before this file, when ogf has a database at hand; nil for a text-only lint.
    public let catalog: (any LintCatalog)?
    /// What earlier files of the same plan created or proved.
    public let memory: LintPlanMemory
    /// Function name → (index of the statement that created it, its volatility) for functions this file creates.
    private let functionCreations: [QualifiedName: (index: Int, volatility: FunctionVolatility)]
    /// Table name → index of the statement that created it (or renamed a created table to it).
    private let tableCreations: [QualifiedName: Int]
    /// Per statement: the transaction it runs in, nil when it runs on its own (autocommit).
    private let transactions: [Int?]
    /// Per statement: its ALTER TABLE reading, parsed once because most rules need it.
    private let alterTables: [AlterTableStatement?]

    public init(
        file: String, script: SQLScript, directives: MigrationDirectives, knownRuleIDs: Set<String>,
        catalog: (any LintCatalog)? = nil, memory: LintPlanMemory = LintPlanMemory()
    ) {
        self.file = file
        self.script = script
        self.directives = directives
        self.knownRuleIDs = knownRuleIDs
        self.catalog = catalog
        self.memory = memory
        var functions: [QualifiedName: (index: Int, volatility: FunctionVolatility)] = [:]
        for statement in script.statements {
            if let function = CreateFunctionStatement(statement) {
                functions[function.name.withoutPublicSchema] = (statement.index, function.volatility)
            }
        }
        functionCreations = functions
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

    /// The volatility of a function this file creates before `statementIndex`, or an earlier file of the plan created.
    func volatilityCreatedEarlier(_ function: QualifiedName, before statementIndex: Int) -> FunctionVolatility? {
        if let created = functionCreations[function.withoutPublicSchema], created.index < statementIndex {
            return created.volatility
        }
        return memory.volatility(of: function)
    }

    /// Why a catalog question has no answer when there is no catalog at all.
    static let noCatalog = "linted without a database catalog"

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
