/// An `ALTER TABLE` statement read into its table and its comma-separated actions, which is where most
/// zero-downtime dangers live.
struct AlterTableStatement {
    let table: QualifiedName
    let actions: [AlterTableAction]

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        guard cursor.skip("ALTER", "TABLE") else { return nil }
        cursor.skip("IF", "EXISTS")
        cursor.skip("ONLY")
        guard let table = cursor.readQualifiedName() else { return nil }
        if cursor.current?.isSymbol("*") == true { cursor.advance() }
        self.table = table
        actions = cursor.rest.splitAtTopLevelCommas().map { AlterTableAction(tokens: $0, table: table) }
    }
}

/// One action of an ALTER TABLE, such as `ADD COLUMN ...` or `ALTER COLUMN x TYPE ...`.
struct AlterTableAction {
    enum Kind {
        case addColumn(ColumnDefinition)
        case addConstraint(TableConstraint)
        /// `ALTER [COLUMN] name` followed by `change` (`TYPE ...`, `SET NOT NULL`, `SET DEFAULT ...`, ...).
        case alterColumn(column: String, change: ArraySlice<SQLToken>)
        case dropColumn(column: String)
        case renameColumn(from: String, to: String)
        case renameTable(to: QualifiedName)
        case validateConstraint(name: String)
        case other
    }

    let kind: Kind
    /// The action's tokens; never empty.
    let tokens: ArraySlice<SQLToken>
    var firstToken: SQLToken { tokens[tokens.startIndex] }

    private static let tableConstraintStarts: Set<String> = ["CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "FOREIGN", "EXCLUDE"]

    init(tokens: ArraySlice<SQLToken>, table: QualifiedName) {
        self.tokens = tokens
        kind = Self.classify(tokens, table: table)
    }

    private static func classify(_ tokens: ArraySlice<SQLToken>, table: QualifiedName) -> Kind {
        var cursor = TokenCursor(tokens)
        if cursor.skip("ADD") {
            if let next = cursor.current, next.isKeyword(in: tableConstraintStarts) {
                return TableConstraint(tokens: cursor.rest).map(Kind.addConstraint) ?? .other
            }
            cursor.skip("COLUMN")
            cursor.skip("IF", "NOT", "EXISTS")
            return ColumnDefinition(tokens: cursor.rest).map(Kind.addColumn) ?? .other
        }
        if cursor.skip("ALTER") {
            if cursor.isLooking(at: "CONSTRAINT") { return .other }
            cursor.skip("COLUMN")
            guard let column = cursor.readName() else { return .other }
            return .alterColumn(column: column, change: cursor.rest)
        }
        if cursor.skip("DROP") {
            if cursor.isLooking(at: "CONSTRAINT") { return .other }
            cursor.skip("COLUMN")
            cursor.skip("IF", "EXISTS")
            return cursor.readName().map { .dropColumn(column: $0) } ?? .other
        }
        if cursor.skip("RENAME") {
            if cursor.skip("TO") {
                return cursor.readName().map { .renameTable(to: QualifiedName(parts: table.parts.dropLast() + [$0])) }
                    ?? .other
            }
            if cursor.isLooking(at: "CONSTRAINT") { return .other }
            cursor.skip("COLUMN")
            guard let from = cursor.readName(), cursor.skip("TO"), let to = cursor.readName() else { return .other }
            return .renameColumn(from: from, to: to)
        }
        if cursor.skip("VALIDATE", "CONSTRAINT"), let name = cursor.readName() {
            return .validateConstraint(name: name)
        }
        return .other
    }
}
