import Testing

@testable import OGFSQLLint

@Suite("Rule: drop-index-without-concurrently", .tags(.small))
struct DropIndexConcurrentlyRuleTests {
    let rule = DropIndexConcurrentlyRule.id

    @Test func plainDropIndex() {
        let found = findings("SELECT 1;\n  DROP INDEX IF EXISTS public.idx_old;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.message == "DROP INDEX public.idx_old without CONCURRENTLY")
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 3)
        #expect(found.first?.whyDangerous.contains("ACCESS EXCLUSIVE") == true)
    }

    @Test func concurrentlyIsFine() {
        #expect(findings("-- ogf:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS idx_old;", rule: rule).isEmpty)
    }

    @Test func otherDropsAreNotThisRule() {
        #expect(findings("DROP TABLE idx_old; DROP VIEW index_view;", rule: rule).isEmpty)
    }
}
