import Testing

@testable import OGFSQLLint

@Suite("Rule: truncate", .tags(.small))
struct TruncateRuleTests {
    let rule = TruncateRule.id

    @Test func truncateExistingTables() {
        let sql = "TRUNCATE sessions;\nTRUNCATE TABLE ONLY a, b CASCADE;"
        let found = findings(sql, rule: rule)
        #expect(found.map(\.message) == ["TRUNCATE of sessions", "TRUNCATE of a, b with CASCADE"])
        #expect(found.map(\.line) == [1, 2])
    }

    @Test func newTableWithoutCascadeIsFine() {
        let sql = "CREATE TABLE staging (id int);\nTRUNCATE staging;\nSELECT 'TRUNCATE users';"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func cascadeFromNewTableStillReachesOthers() {
        let sql = "CREATE TABLE staging (id int);\nTRUNCATE staging CASCADE;"
        #expect(findings(sql, rule: rule).count == 1)
    }
}
