import Testing

@testable import OGFSQLLint

@Suite("Directives", .tags(.small))
struct DirectiveTests {
    @Test func fileLevelDirectives() {
        let report = lint("-- ogf:no-transaction\n/* ogf:breaking */\nSELECT 1;")
        #expect(report.directives.runsOutsideTransaction)
        #expect(report.directives.isBreaking)
        #expect(report.directives.all.map(\.kind) == [.noTransaction, .breaking])
        #expect(report.directives.all.map(\.line) == [1, 2])
    }

    @Test func filesWithoutDirectives() {
        let report = lint("-- plain comment mentioning ogf:no-transaction in prose\nSELECT 'ogf:breaking';")
        #expect(!report.directives.runsOutsideTransaction)
        #expect(!report.directives.isBreaking)
        #expect(report.directives.all.isEmpty)
    }

    @Test func directiveAtEndOfFileStillCounts() {
        let report = lint("SELECT 1;\n-- ogf:no-transaction")
        #expect(report.directives.runsOutsideTransaction)
        #expect(report.directives.all.first?.statementIndex == nil)
    }

    @Test func allowParsesRuleAndReason() {
        let report = lint("SELECT 1;\n--   ogf:allow   Truncate:  cache table,\n--   rebuilt nightly\nTRUNCATE cache;")
        let allow = report.directives.allows.first
        #expect(allow?.kind == .allow(ruleID: "truncate", reason: "cache table,"))
        #expect(allow?.statementIndex == 1)
        #expect(allow?.line == 2)
        #expect(allow?.column == 1)
    }

    @Test func blockCommentAllowCollapsesReasonLines() {
        let report = lint("/* ogf:allow truncate the table\n   is a cache */ TRUNCATE cache;")
        #expect(report.directives.allows.first?.kind == .allow(ruleID: "truncate", reason: "the table is a cache"))
    }

    @Test func allowAppliesToTheStatementItPrecedesOnly() {
        let sql = """
            -- ogf:allow truncate emptied on purpose, it is a cache
            TRUNCATE cache;
            TRUNCATE sessions;
            """
        let truncates = findings(sql, rule: TruncateRule.id)
        #expect(truncates.count == 2)
        #expect(truncates[0].allowedReason == "emptied on purpose, it is a cache")
        #expect(truncates[0].isBlocking == false)
        #expect(truncates[1].allowedReason == nil)
        #expect(truncates[1].isBlocking)
    }

    @Test func allowInsideTheStatement() {
        let sql = "ALTER TABLE users\n  -- ogf:allow rename-column-or-table no client reads it yet\n  RENAME COLUMN a TO b;"
        let renames = findings(sql, rule: RenameRule.id)
        #expect(renames.count == 1)
        #expect(renames.first?.allowedReason == "no client reads it yet")
    }

    @Test func allowTrailingTheStatementOnItsLine() {
        let sql = "TRUNCATE cache; -- ogf:allow truncate cache only\nTRUNCATE sessions;"
        let truncates = findings(sql, rule: TruncateRule.id)
        #expect(truncates.map(\.isAllowed) == [true, false])
    }

    @Test func allowForAnotherRuleDoesNotApply() {
        let sql = "-- ogf:allow drop-column-or-table reason enough\nTRUNCATE cache;"
        #expect(findings(sql, rule: TruncateRule.id).first?.isBlocking == true)
    }

    @Test func directiveInsideStringIsNotADirective() {
        let report = lint("SELECT '-- ogf:no-transaction';\nCREATE INDEX CONCURRENTLY i ON t (c);")
        #expect(!report.directives.runsOutsideTransaction)
        #expect(report.findings.contains { $0.ruleID == ConcurrentlyInTransactionRule.id })
    }
}
