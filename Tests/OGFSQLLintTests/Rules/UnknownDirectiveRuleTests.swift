import Testing

@testable import OGFSQLLint

@Suite("Rule: unknown-directive", .tags(.small))
struct UnknownDirectiveRuleTests {
    let rule = UnknownDirectiveRule.id

    @Test func misspeltDirectiveAndRule() {
        let sql = "-- ogf:no-transation\n-- ogf:allow trunc cache table\nTRUNCATE cache;"
        let report = lint(sql)
        let found = report.findings.filter { $0.ruleID == rule }
        #expect(found.map(\.line) == [1, 2])
        #expect(found.allSatisfy { $0.severity == .warning })
        #expect(!report.directives.runsOutsideTransaction)
        #expect(report.findings.first { $0.ruleID == TruncateRule.id }?.isAllowed == false)
    }

    @Test func knownDirectivesAreFine() {
        let sql = "-- ogf:no-transaction\n-- ogf:breaking\n-- ogf:allow truncate cache\nTRUNCATE cache;"
        #expect(findings(sql, rule: rule).isEmpty)
    }
}
