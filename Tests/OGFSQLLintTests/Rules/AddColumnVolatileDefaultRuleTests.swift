import Testing

@testable import OGFSQLLint

@Suite("Rule: add-column-volatile-default", .tags(.small))
struct AddColumnVolatileDefaultRuleTests {
    let rule = AddColumnVolatileDefaultRule.id

    @Test(arguments: ["gen_random_uuid()", "uuid_generate_v4()", "random()", "clock_timestamp()", "timeofday()",
                      "nextval('s')", "public.gen_random_uuid()", "(random() * 10)::int"])
    func volatileDefaultRewrites(_ expression: String) throws {
        let found = findings("ALTER TABLE users ADD COLUMN v text DEFAULT \(expression);", rule: rule)
        #expect(found.count == 1)
        let finding = try #require(found.first)
        #expect(finding.message.contains("volatile DEFAULT"))
        #expect(finding.whyDangerous.contains("rewrites"))
    }

    @Test func locatedAtTheFunction() {
        let found = findings("ALTER TABLE users\n  ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();", rule: rule)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 42)
        #expect(found.first?.message == "Column token added to existing table users with volatile DEFAULT gen_random_uuid()")
    }

    @Test(arguments: ["now()", "current_timestamp", "CURRENT_DATE", "0", "'pending'", "'random()'",
                      "statement_timestamp()", "NULL"])
    func stableOrConstantDefaultsDoNotRewrite(_ expression: String) {
        #expect(findings("ALTER TABLE users ADD COLUMN v text DEFAULT \(expression);", rule: rule).isEmpty)
    }

    @Test func serialIdentityAndStoredGeneratedColumnsRewrite() {
        let sql = """
            ALTER TABLE a ADD COLUMN id bigserial;
            ALTER TABLE b ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
            ALTER TABLE c ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.line) == [1, 2, 3])
        #expect(found.map(\.column) == [29, 36, 40])
    }

    @Test func volatileCallOutsideTheDefaultIsNotThisRule() {
        let sql = "ALTER TABLE users ADD COLUMN v float DEFAULT 0 CHECK (v < random());"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();"
        #expect(findings(sql, rule: rule).isEmpty)
    }
}
