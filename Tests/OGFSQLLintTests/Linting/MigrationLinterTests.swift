import Testing

@testable import OGFSQLLint

@Suite("MigrationLinter", .tags(.small))
struct MigrationLinterTests {
    @Test func findingsAreSortedByLineColumnAndRule() {
        let sql = """
            ALTER TABLE b DROP COLUMN x, ADD CONSTRAINT u UNIQUE (y);
            TRUNCATE a;
            CREATE INDEX i ON c (z);
            """
        let report = lint(sql)
        let keys = report.findings.map { "\($0.line):\($0.column):\($0.ruleID)" }
        #expect(keys == [
            "1:1:missing-lock-timeout",
            "1:15:drop-column-or-table",
            "1:30:unique-constraint-without-index",
            "2:1:truncate",
            "3:1:create-index-without-concurrently",
        ])
        #expect(report.findings.allSatisfy { $0.file == "0001_test.sql" })
    }

    @Test func sameInputGivesSameReport() {
        let sql = "ALTER TABLE t ADD COLUMN a int NOT NULL, ADD COLUMN b uuid DEFAULT gen_random_uuid();"
        #expect(lint(sql) == lint(sql))
    }

    @Test func blockingFindingsExcludeWarningsAndAllowed() {
        let sql = """
            -- ogf:allow truncate cache table
            TRUNCATE cache;
            DROP INDEX idx;
            """
        let report = lint(sql)
        #expect(report.findings.map(\.ruleID).sorted()
            == ["drop-index-without-concurrently", "missing-lock-timeout", "truncate"])
        #expect(report.blockingFindings.map(\.ruleID) == ["drop-index-without-concurrently"])
        #expect(report.isBlocking)
    }

    @Test func cleanFileIsNotBlocking() {
        let sql = """
            -- ogf:no-transaction
            SET lock_timeout = '3s';
            CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
            """
        let report = lint(sql)
        #expect(report.findings.isEmpty)
        #expect(!report.isBlocking)
        #expect(report.statements.count == 2)
    }

    @Test func breakingFileAllowsBreakingRulesButNotLockRules() {
        let sql = """
            -- ogf:breaking
            SET lock_timeout = '3s';
            ALTER TABLE users DROP COLUMN legacy_name;
            ALTER TABLE users RENAME COLUMN mail TO email;
            TRUNCATE users_cache;
            """
        let report = lint(sql)
        let allowed = report.findings.filter(\.isAllowed).map(\.ruleID)
        #expect(allowed == ["drop-column-or-table", "rename-column-or-table"])
        #expect(report.blockingFindings.map(\.ruleID) == ["truncate"])
    }

    @Test func customRuleSetRunsOnlyThoseRules() {
        let linter = MigrationLinter(rules: [TruncateRule()])
        let report = linter.lint(file: "x.sql", sql: "DROP TABLE a; TRUNCATE b;")
        #expect(report.findings.map(\.ruleID) == ["truncate"])
        #expect(report.findings.first?.column == 15)
    }

    @Test func everyDefaultRuleHasAUniqueKebabCaseID() {
        let ids = MigrationLinter.defaultRules.map { type(of: $0).id }
        #expect(Set(ids).count == ids.count)
        #expect(ids.count == 16)
        #expect(ids.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "-" } })
    }

    @Test func findingsExplainDangerAndAlternative() {
        let report = lint("ALTER TABLE t ADD COLUMN a int NOT NULL, ADD COLUMN b uuid DEFAULT gen_random_uuid();")
        #expect(!report.findings.isEmpty)
        for finding in report.findings {
            #expect(!finding.message.isEmpty)
            #expect(finding.whyDangerous.count > 40)
            #expect(finding.safeAlternative.count > 40)
        }
    }
}
