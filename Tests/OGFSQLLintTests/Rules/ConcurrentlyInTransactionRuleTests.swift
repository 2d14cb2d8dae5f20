import Testing

@testable import OGFSQLLint

@Suite("Rule: concurrently-in-transaction", .tags(.small))
struct ConcurrentlyInTransactionRuleTests {
    let rule = ConcurrentlyInTransactionRule.id

    @Test func transactionalFile() {
        let found = findings("CREATE INDEX CONCURRENTLY idx ON users (email);", rule: rule)
        #expect(found.count == 1)
        // Located at the CONCURRENTLY token.
        #expect(found.first?.line == 1)
        #expect(found.first?.column == 14)
        #expect(found.first?.message.contains("ogf:no-transaction") == true)
    }

    @Test func dropIndexConcurrentlyInTransactionalFile() {
        #expect(findings("DROP INDEX CONCURRENTLY idx;", rule: rule).count == 1)
    }

    @Test func explicitBlockInNoTransactionFile() {
        let sql = """
            -- ogf:no-transaction
            BEGIN;
            CREATE INDEX CONCURRENTLY a ON t (x);
            COMMIT;
            CREATE INDEX CONCURRENTLY b ON t (y);
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.line) == [3])
        #expect(found.first?.message == "CONCURRENTLY used between BEGIN and COMMIT")
    }

    @Test func noTransactionFileIsFine() {
        let sql = "-- ogf:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (x);\nDROP INDEX CONCURRENTLY b;"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func refreshMaterializedViewConcurrentlyWorksInTransactions() {
        #expect(findings("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;", rule: rule).isEmpty)
    }
}
