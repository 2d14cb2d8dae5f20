import Testing

@testable import OGFSQLLint

@Suite("Rule: missing-lock-timeout", .tags(.small))
struct MissingLockTimeoutRuleTests {
    let rule = MissingLockTimeoutRule.id

    @Test func lockingFileWithoutTimeout() {
        let found = findings("CREATE TABLE t (id int);\n\nALTER TABLE users ADD COLUMN note text;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.isBlocking == false)
        #expect(found.first?.line == 3)
    }

    @Test func timeoutSetBeforeLocking() {
        let sql = """
            SET lock_timeout TO '5s';
            ALTER TABLE users ADD COLUMN note text;
            ALTER TABLE users ADD COLUMN other text;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func setConfigCounts() {
        let sql = "SELECT set_config('lock_timeout', '2s', false);\nDROP INDEX CONCURRENTLY i;"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func timeoutSetTooLateOrToZero() {
        #expect(findings("ALTER TABLE users ADD COLUMN a text;\nSET lock_timeout = '5s';", rule: rule).map(\.line) == [1])
        #expect(findings("SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a text;", rule: rule).map(\.line) == [2])
        #expect(findings("SET lock_timeout = '5s';\nRESET lock_timeout;\nTRUNCATE t;", rule: rule).map(\.line) == [3])
    }

    @Test func setLocalLastsOnlyForItsTransaction() {
        #expect(findings("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a text;", rule: rule).isEmpty)
        let noTransaction = "-- ogf:no-transaction\nSET LOCAL lock_timeout = '5s';\nDROP INDEX CONCURRENTLY i;"
        let found = findings(noTransaction, rule: rule)
        #expect(found.map(\.line) == [3])
        #expect(found.first?.message.contains("SET LOCAL") == true)
    }

    @Test func filesThatTakeNoConflictingLocks() {
        let sql = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCREATE SCHEMA reporting;"
        #expect(findings(sql, rule: rule).isEmpty)
        #expect(findings("-- nothing here", rule: rule).isEmpty)
    }

    @Test func allowAnywhereInFileCoversIt() {
        let sql = "SELECT 1;\n-- ogf:allow missing-lock-timeout ogf's configured timeout is enough here\nALTER TABLE t ADD c int;"
        #expect(findings(sql, rule: rule).first?.allowedReason == "ogf's configured timeout is enough here")
    }
}
