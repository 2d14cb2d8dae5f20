/// `CREATE [OR REPLACE] FUNCTION name (args) ... [IMMUTABLE | STABLE | VOLATILE]`: the name and the volatility
/// PostgreSQL records, VOLATILE when the statement does not say.
struct CreateFunctionStatement {
    let name: QualifiedName
    let argumentCount: Int
    let volatility: FunctionVolatility

    init?(_ statement: SQLStatement) {
        var cursor = TokenCursor(statement.tokens)
        guard cursor.skip("CREATE") else { return nil }
        cursor.skip("OR", "REPLACE")
        guard cursor.skip("FUNCTION"), let name = cursor.readQualifiedName() else { return nil }
        self.name = name
        let rest = cursor.rest
        var count = 0
        if let open = rest.first, open.isSymbol("(") {
            let end = rest.indexAfterGroup(openingAt: rest.startIndex)
            let inner = rest[(rest.startIndex + 1)..<max(rest.startIndex + 1, end - 1)]
            count = inner.isEmpty ? 0 : inner.splitAtTopLevelCommas().filter { !($0.first?.isKeyword("OUT") ?? false) }.count
        }
        argumentCount = count
        // The body is a string token, so words in it never match; only the function's own options are seen.
        let top = rest.topLevelIndices().map { rest[$0] }
        if top.contains(where: { $0.isKeyword("IMMUTABLE") }) {
            volatility = .immutable
        } else if top.contains(where: { $0.isKeyword("STABLE") }) {
            volatility = .stable
        } else {
            volatility = .volatile
        }
    }
}
