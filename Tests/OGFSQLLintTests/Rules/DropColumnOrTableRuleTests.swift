import Testing

@testable import OGFSQLLint

@Suite("Rule: drop-column-or-table", .tags(.small))
struct DropColumnOrTableRuleTests {
    let rule = DropColumnOrTableRule.id

    @Test func dropColumnsAndTables() {
        let sql = """
            ALTER TABLE users DROP COLUMN legacy, DROP IF EXISTS other CASCADE;
            DROP TABLE IF EXISTS sessions, audit.events CASCADE;
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.message) == [
            "DROP COLUMN legacy of existing table users",
            "DROP COLUMN other of existing table users",
            "DROP TABLE of existing tables sessions, audit.events",
        ])
        #expect(found.map(\.column) == [19, 39, 1])
    }

    @Test func dropsThatBreakNothing() {
        let sql = """
            ALTER TABLE users DROP CONSTRAINT users_mail_key;
            ALTER TABLE users ALTER COLUMN mail DROP DEFAULT, ALTER COLUMN mail DROP NOT NULL;
            CREATE TABLE tmp_import (id int);
            ALTER TABLE tmp_import DROP COLUMN id;
            DROP TABLE tmp_import;
            DROP INDEX CONCURRENTLY idx;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func breakingFileAllowsIt() {
        let report = lint("-- ogf:breaking\nSET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN legacy;")
        #expect(report.findings.map(\.ruleID) == [rule])
        #expect(report.blockingFindings.isEmpty)
    }
}
