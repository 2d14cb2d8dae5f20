/// What the migrations linted so far in one plan created or proved, carried to the next file.
///
/// With a shadow database the catalog already shows the earlier migrations' effects; without one (the live
/// database answers) this memory is what knows that a table, function, column or validated CHECK comes from an
/// earlier pending file. A table created earlier in the plan turns its lock findings into info.
public struct LintPlanMemory: Sendable {
    struct Column: Hashable, Sendable {
        let table: QualifiedName
        let name: String
    }

    /// Table (without `public.`) → the file that creates it.
    public private(set) var createdTables: [QualifiedName: String] = [:]
    private(set) var functions: [QualifiedName: FunctionVolatility] = [:]
    private(set) var columnTypes: [Column: SQLTypeName] = [:]
    private(set) var provenNotNull: Set<Column> = []
    private var notValidChecks: [QualifiedName: [String: String]] = [:]
    /// Index name → unique.
    private(set) var indexes: [String: Bool] = [:]

    public init() {}

    func createdBy(_ table: QualifiedName) -> String? { createdTables[table.withoutPublicSchema] }

    func volatility(of function: QualifiedName) -> FunctionVolatility? {
        functions[function.withoutPublicSchema]
    }

    func type(of column: String, in table: QualifiedName) -> SQLTypeName? {
        columnTypes[Column(table: table.withoutPublicSchema, name: column)]
    }

    func provesNotNull(_ column: String, in table: QualifiedName) -> Bool {
        provenNotNull.contains(Column(table: table.withoutPublicSchema, name: column))
    }

    /// Records what `migration` creates and proves, once it has been linted.
    mutating func record(_ migration: MigrationContext) {
        for statement in migration.statements {
            if let create = CreateTableStatement(statement) {
                let table = create.table.withoutPublicSchema
                if createdTables[table] == nil { createdTables[table] = migration.file }
            } else if let function = CreateFunctionStatement(statement) {
                functions[function.name.withoutPublicSchema] = function.volatility
            } else if let index = CreateIndexStatement(statement), let name = index.name {
                indexes[name] = index.isUnique
            } else if let alter = migration.alterTable(statement) {
                record(alter, file: migration.file)
            }
        }
    }

    private mutating func record(_ alter: AlterTableStatement, file: String) {
        let table = alter.table.withoutPublicSchema
        for action in alter.actions {
            switch action.kind {
            case .addColumn(let column):
                if let type = column.type { columnTypes[Column(table: table, name: column.name)] = type }
                if column.notNullToken != nil { provenNotNull.insert(Column(table: table, name: column.name)) }
            case .addConstraint(let constraint):
                guard let column = constraint.notNullCheckColumn else { break }
                if !constraint.isNotValid {
                    provenNotNull.insert(Column(table: table, name: column))
                } else if let name = constraint.name {
                    notValidChecks[table, default: [:]][name] = column
                }
            case .validateConstraint(let name):
                if let column = notValidChecks[table]?[name] { provenNotNull.insert(Column(table: table, name: column)) }
            case .alterColumn(let column, let change):
                if let typeChange = TypeChange(change), let type = typeChange.newType {
                    columnTypes[Column(table: table, name: column)] = type
                } else if TokenCursor(change).isLooking(at: "SET", "NOT", "NULL") {
                    provenNotNull.insert(Column(table: table, name: column))
                }
            case .renameTable(let newName):
                if let file = createdTables[table] { createdTables[newName.withoutPublicSchema] = file }
            default:
                break
            }
        }
    }
}
