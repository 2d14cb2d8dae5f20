/// Statements that open or close an explicit transaction block inside a migration file.
enum TransactionControl {
    case begin, end

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        if cursor.skip("BEGIN") || cursor.skip("START", "TRANSACTION") {
            self = .begin
        } else if cursor.skip("ROLLBACK") || cursor.skip("ABORT") {
            // ROLLBACK TO SAVEPOINT keeps the transaction open; ROLLBACK PREPARED acts on another one.
            if cursor.isLooking(at: "TO") || cursor.isLooking(at: "PREPARED") { return nil }
            self = .end
        } else if cursor.skip("COMMIT") || cursor.skip("END") {
            if cursor.isLooking(at: "PREPARED") || cursor.isLooking(at: "AND", "CHAIN") { return nil }
            self = .end
        } else {
            return nil
        }
    }
}
