/// A statement that sets (or clears) lock_timeout:
/// `SET [SESSION|LOCAL] lock_timeout {TO|=} value`, `RESET lock_timeout`, or `SELECT set_config('lock_timeout', ...)`.
struct LockTimeoutSetting {
    /// Whether the statement leaves a non-zero timeout in force (`0`, `'0'` and DEFAULT mean "wait forever").
    let setsTimeout: Bool
    /// `SET LOCAL` lasts until the end of the current transaction only.
    let isLocal: Bool

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        if cursor.skip("RESET") {
            guard cursor.current?.name == "lock_timeout" else { return nil }
            setsTimeout = false
            isLocal = false
            return
        }
        if cursor.skip("SELECT"), cursor.current?.name == "set_config", cursor.peek(1)?.isSymbol("(") == true,
           let setting = cursor.peek(2), setting.kind == .string, setting.text.lowercased() == "lock_timeout" {
            let value = cursor.peek(4)
            setsTimeout = value.map { Self.isNonZero($0) } ?? false
            isLocal = cursor.peek(6)?.isKeyword("TRUE") == true
            return
        }
        cursor = TokenCursor(statement.tokens)
        guard cursor.skip("SET") else { return nil }
        isLocal = cursor.skip("LOCAL")
        cursor.skip("SESSION")
        guard cursor.current?.name == "lock_timeout" else { return nil }
        cursor.advance()
        if !cursor.skip("TO"), cursor.current?.isSymbol("=") == true { cursor.advance() }
        setsTimeout = cursor.current.map { Self.isNonZero($0) } ?? false
    }

    private static func isNonZero(_ value: SQLToken) -> Bool {
        if value.isKeyword("DEFAULT") { return false }
        guard value.kind == .number || value.kind == .string else { return false }
        let digits = value.text.prefix { $0.isNumber || $0 == "." }
        return !(Double(digits).map { $0 == 0 } ?? false)
    }
}
