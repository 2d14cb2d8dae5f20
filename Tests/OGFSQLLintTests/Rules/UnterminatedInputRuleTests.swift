import Testing

@testable import OGFSQLLint

@Suite("Rule: unterminated-input", .tags(.small))
struct UnterminatedInputRuleTests {
    let rule = UnterminatedInputRule.id

    @Test func unterminatedQuoteHidesWhatFollows() {
        let report = lint("SET lock_timeout = '1s';\nSELECT 'oops;\nDROP TABLE users;")
        let found = report.findings.filter { $0.ruleID == rule }
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 8)
        #expect(found.first?.isBlocking == true)
        #expect(!report.findings.contains { $0.ruleID == DropColumnOrTableRule.id })
    }

    @Test func unterminatedDollarQuote() {
        #expect(findings("DO $fn$ BEGIN NULL; END $$;", rule: rule).count == 1)
    }

    @Test func wellFormedFileIsFine() {
        #expect(findings("SELECT 'a', $$b$$, \"c\" /* d */;", rule: rule).isEmpty)
    }
}
