import Testing

@testable import OGFSQLLint

@Suite("Rule: create-index-without-concurrently", .tags(.small))
struct CreateIndexConcurrentlyRuleTests {
    let rule = CreateIndexConcurrentlyRule.id

    @Test func plainCreateIndexOnExistingTable() {
        let found = findings("SET lock_timeout = '2s';\nCREATE INDEX idx_users_email ON users (email);", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.message.contains("users") == true)
        #expect(found.first?.safeAlternative.contains("CONCURRENTLY") == true)
    }

    @Test func uniqueIfNotExistsOnQualifiedTable() {
        let found = findings("create unique index if not exists i on billing.invoices using btree (lower(num));", rule: rule)
        #expect(found.map(\.message) == ["CREATE INDEX on existing table billing.invoices without CONCURRENTLY"])
    }

    @Test func concurrentlyIsFine() {
        #expect(findings("CREATE INDEX CONCURRENTLY idx ON users (email);", rule: rule).isEmpty)
    }

    @Test func tableCreatedEarlierInTheFileIsExempt() {
        let sql = "CREATE TABLE events (id bigint, at timestamptz);\nCREATE INDEX events_at ON events (at);"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func anotherNewTableDoesNotExemptAnExistingOne() {
        let sql = "CREATE TABLE events (id bigint);\nCREATE INDEX users_at ON users (at);"
        #expect(findings(sql, rule: rule).map(\.line) == [2])
    }

    @Test func textInStringsAndCommentsNeverTriggers() {
        let sql = """
            -- CREATE INDEX idx ON users (email);
            COMMENT ON TABLE users IS 'CREATE INDEX idx ON users (email)';
            /* CREATE INDEX idx2 ON users (name); */
            SELECT $$CREATE INDEX idx3 ON users (x)$$;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func onlyParentOfPartitionedTableBuildsNothing() {
        #expect(findings("CREATE INDEX measurements_at ON ONLY measurements (at);", rule: rule).isEmpty)
    }
}
