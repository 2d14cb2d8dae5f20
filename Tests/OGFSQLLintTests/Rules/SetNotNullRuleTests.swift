import Testing

@testable import OGFSQLLint

@Suite("Rule: set-not-null", .tags(.small))
struct SetNotNullRuleTests {
    let rule = SetNotNullRule.id

    @Test func setNotNullOnExistingColumn() {
        let found = findings("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.column == 38)
        #expect(found.first?.safeAlternative.contains("CHECK (email IS NOT NULL) NOT VALID") == true)
    }

    @Test func otherAlterColumnChangesAreNotThisRule() {
        let sql = "ALTER TABLE users ALTER email DROP NOT NULL, ALTER COLUMN name SET DEFAULT 'x';"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func validatedCheckMakesItSafe() {
        let sql = """
            -- ogf:no-transaction
            ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
            ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
            ALTER TABLE users ALTER COLUMN email SET NOT NULL;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func unvalidatedCheckOrOtherColumnDoesNotCount() {
        let sql = """
            ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
            ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
            ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
            ALTER TABLE users ALTER COLUMN email SET NOT NULL;
            ALTER TABLE accounts ALTER COLUMN name SET NOT NULL;
            """
        #expect(findings(sql, rule: rule).map(\.line) == [4, 5])
    }
}

@Suite("Rule: set-not-null recipe in one transaction", .tags(.small))
struct SetNotNullRecipeInTransactionTests {
    @Test func recipeInOneTransactionIsFlaggedAtTheValidate() {
        let sql = """
            ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
            ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
            ALTER TABLE users ALTER COLUMN email SET NOT NULL;
            """
        let ruleLines = lint(sql).blockingFindings.map { "\($0.line) \($0.ruleID)" }
        // SET NOT NULL itself no longer scans, but the validation runs under the ADD's ACCESS EXCLUSIVE lock.
        #expect(ruleLines == ["2 constraint-without-not-valid"])
    }
}
