import Testing

@testable import OGFSQLLint

@Suite("Rule: allow-without-reason", .tags(.small))
struct AllowWithoutReasonRuleTests {
    let rule = AllowWithoutReasonRule.id

    @Test func allowWithoutReasonIsAFindingAndAllowsNothing() {
        let report = lint("SET lock_timeout = '1s';\n  -- ogf:allow truncate\nTRUNCATE cache;")
        let found = report.findings.filter { $0.ruleID == rule }
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 3)
        #expect(found.first?.message == "`-- ogf:allow truncate` gives no reason, so it allows nothing")
        #expect(report.blockingFindings.map(\.ruleID) == [rule, TruncateRule.id])
    }

    @Test func allowWithoutRule() {
        let found = findings("-- ogf:allow\nSELECT 1;", rule: rule)
        #expect(found.map(\.message) == ["`-- ogf:allow` names no rule"])
    }

    @Test func allowWithReasonIsFine() {
        let report = lint("SET lock_timeout = '1s';\n-- ogf:allow truncate cache table\nTRUNCATE cache;")
        #expect(report.findings.filter { $0.ruleID == rule }.isEmpty)
        #expect(report.blockingFindings.isEmpty)
    }
}
