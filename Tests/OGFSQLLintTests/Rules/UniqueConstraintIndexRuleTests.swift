import Testing

@testable import OGFSQLLint

@Suite("Rule: unique-constraint-without-index", .tags(.small))
struct UniqueConstraintIndexRuleTests {
    let rule = UniqueConstraintIndexRule.id

    @Test func constraintsThatBuildTheirIndex() {
        let sql = """
            ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
            ALTER TABLE users ADD PRIMARY KEY (id);
            ALTER TABLE users ADD CONSTRAINT u UNIQUE (email) USING INDEX TABLESPACE fast;
            ALTER TABLE rooms ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.line) == [1, 2, 3, 4])
        #expect(found[0].message == "UNIQUE constraint added to existing table users without USING INDEX")
        #expect(found[1].message == "PRIMARY KEY constraint added to existing table users without USING INDEX")
        #expect(found[3].message == "EXCLUDE constraint added to existing table rooms")
        #expect(found[0].column == 19)
    }

    @Test func adoptingAConcurrentlyBuiltIndexIsFine() {
        let sql = """
            ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;
            ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func inlineUniqueOnNewColumn() {
        let found = findings("ALTER TABLE users ADD COLUMN code text UNIQUE;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.column == 40)
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id);"
        #expect(findings(sql, rule: rule).isEmpty)
    }
}
