import Testing

@testable import OGFSQLLint

@Suite("Rule: constraint-without-not-valid", .tags(.small))
struct ConstraintNotValidRuleTests {
    let rule = ConstraintNotValidRule.id

    @Test func foreignKeyWithoutNotValid() {
        let sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"
        let found = findings(sql, rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.column == 20)
        #expect(found.first?.message
            == "FOREIGN KEY constraint orders_user_fk added to existing table orders without NOT VALID")
        #expect(found.first?.whyDangerous.contains("SHARE ROW EXCLUSIVE") == true)
    }

    @Test func checkWithoutNotValid() {
        let found = findings("ALTER TABLE orders ADD CHECK (amount > 0);", rule: rule)
        #expect(found.first?.message == "CHECK constraint added to existing table orders without NOT VALID")
    }

    @Test func notValidInsideTheExpressionDoesNotCount() {
        #expect(findings("ALTER TABLE t ADD CONSTRAINT c CHECK (NOT valid);", rule: rule).count == 1)
    }

    @Test func inlineReferencesAndCheckOnNewColumn() {
        let sql = "ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id), ADD COLUMN n int CHECK (n > 0);"
        let found = findings(sql, rule: rule)
        #expect(found.map(\.column) == [46, 86])
    }

    @Test func notValidThenValidateLaterIsFine() {
        let sql = """
            -- ogf:no-transaction
            ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
            ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;
            ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
            ALTER TABLE orders VALIDATE CONSTRAINT amount_positive;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func validateInTheSameTransactionKeepsTheLock() {
        let sql = """
            ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
            ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message == "Constraint orders_user_fk is validated in the same transaction that added it NOT VALID")
    }

    @Test func validatingAConstraintFromAnEarlierMigrationIsFine() {
        #expect(findings("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;", rule: rule).isEmpty)
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = """
            CREATE TABLE line_items (id bigint, order_id bigint);
            ALTER TABLE line_items ADD CONSTRAINT li_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }
}
