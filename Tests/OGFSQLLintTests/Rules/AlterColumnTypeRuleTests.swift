import Testing

@testable import OGFSQLLint

@Suite("Rule: alter-column-type-rewrite", .tags(.small))
struct AlterColumnTypeRuleTests {
    let rule = AlterColumnTypeRule.id

    @Test func unknownOldTypeIsAssumedToRewrite() {
        let found = findings("ALTER TABLE users ALTER COLUMN age TYPE bigint;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.column == 36)
        #expect(found.first?.message
            == "Column age of existing table users changes type to int8 (its current type is not visible in this file and it was linted without a database catalog, so a rewrite is assumed)")
    }

    @Test func usingClauseAlwaysRewrites() {
        let found = findings("ALTER TABLE users ALTER age SET DATA TYPE text USING age::text;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("USING") == true)
    }

    @Test func knownWideningIsSafe() {
        let sql = """
            -- ogf:no-transaction
            ALTER TABLE users ADD COLUMN nick varchar(50), ADD COLUMN balance numeric(10,2);
            ALTER TABLE users ALTER COLUMN nick TYPE character varying(100);
            ALTER TABLE users ALTER COLUMN nick TYPE text;
            ALTER TABLE users ALTER COLUMN balance TYPE decimal(14, 2);
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func knownNarrowingOrScaleChangeRewrites() {
        let sql = """
            ALTER TABLE users ADD COLUMN nick varchar(100), ADD COLUMN balance numeric(10,2);
            ALTER TABLE users ALTER COLUMN nick TYPE varchar(50);
            ALTER TABLE users ALTER COLUMN balance TYPE numeric(12,3);
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.line) == [2, 3])
        #expect(found.first?.message == "Column nick of existing table users changes type from varchar(100) to varchar(50)")
    }

    @Test func tableCreatedEarlierIsExempt() {
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;"
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func typeNamesNormalize() {
        func type(_ sql: String) -> SQLTypeName? { SQLTypeName(tokens: statements("SELECT \(sql)")[0].tokens.dropFirst()) }
        #expect(type("character varying(20)") == SQLTypeName(base: "varchar", modifiers: [20]))
        #expect(type("integer") == type("int4"))
        #expect(type("pg_catalog.int4") == type("int"))
        #expect(type("timestamp(3) with time zone") == SQLTypeName(base: "timestamptz", modifiers: [3]))
        #expect(type("text[]") == SQLTypeName(base: "text", isArray: true))
    }

    @Test func rewriteFreeChanges() {
        let varchar50 = SQLTypeName(base: "varchar", modifiers: [50])
        let varchar = SQLTypeName(base: "varchar")
        let text = SQLTypeName(base: "text")
        let numeric102 = SQLTypeName(base: "numeric", modifiers: [10, 2])
        #expect(SQLTypeName(base: "varchar", modifiers: [60]).changeAvoidsRewrite(from: varchar50))
        #expect(!SQLTypeName(base: "varchar", modifiers: [40]).changeAvoidsRewrite(from: varchar50))
        #expect(text.changeAvoidsRewrite(from: varchar50))
        #expect(varchar.changeAvoidsRewrite(from: text))
        #expect(!varchar50.changeAvoidsRewrite(from: text))
        #expect(SQLTypeName(base: "numeric").changeAvoidsRewrite(from: numeric102))
        #expect(SQLTypeName(base: "numeric", modifiers: [12, 2]).changeAvoidsRewrite(from: numeric102))
        #expect(!SQLTypeName(base: "numeric", modifiers: [12, 3]).changeAvoidsRewrite(from: numeric102))
        #expect(!SQLTypeName(base: "int8").changeAvoidsRewrite(from: SQLTypeName(base: "int4")))
    }
}
