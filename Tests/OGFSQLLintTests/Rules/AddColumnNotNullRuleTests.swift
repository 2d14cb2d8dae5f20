import Testing

@testable import OGFSQLLint

@Suite("Rule: add-column-not-null-without-default", .tags(.small))
struct AddColumnNotNullRuleTests {
    let rule = AddColumnNotNullRule.id

    @Test func notNullWithoutDefault() {
        let found = findings("ALTER TABLE users ADD COLUMN age int NOT NULL;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.column == 38)
        #expect(found.first?.message == "Column age is added to existing table users as NOT NULL without a DEFAULT")
    }

    @Test func defaultNullIsNoDefault() {
        #expect(findings("ALTER TABLE users ADD age int NOT NULL DEFAULT NULL;", rule: rule).count == 1)
    }

    @Test func inlinePrimaryKeyImpliesNotNull() {
        #expect(findings("ALTER TABLE users ADD COLUMN uid int PRIMARY KEY;", rule: rule).count == 1)
    }

    @Test func eachActionIsChecked() {
        let sql = "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b text NOT NULL;"
        #expect(findings(sql, rule: rule).map(\.message) == [
            "Column b is added to existing table users as NOT NULL without a DEFAULT",
        ])
    }

    @Test func safeShapes() {
        let sql = """
            ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0;
            ALTER TABLE users ADD COLUMN b text DEFAULT 'x' NOT NULL;
            ALTER TABLE users ADD COLUMN c text;
            ALTER TABLE users ADD COLUMN d int CHECK (d IS NOT NULL);
            ALTER TABLE users ADD COLUMN e bigserial NOT NULL;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int NOT NULL;"
        #expect(findings(sql, rule: rule).isEmpty)
    }
}
