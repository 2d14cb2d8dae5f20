import Testing

@testable import OGFSQLLint

@Suite("Rule: rename-column-or-table", .tags(.small))
struct RenameRuleTests {
    let rule = RenameRule.id

    @Test func renames() {
        let sql = """
            ALTER TABLE users RENAME COLUMN mail TO email;
            ALTER TABLE users RENAME name TO full_name;
            ALTER TABLE billing.users RENAME TO customers;
            """
        let found = findings(sql, rule: rule)
        #expect(found.map(\.message) == [
            "Column mail of table users is renamed to email",
            "Column name of table users is renamed to full_name",
            "Table billing.users is renamed to billing.customers",
        ])
        #expect(found.map(\.column) == [19, 19, 27])
        #expect(found.allSatisfy { $0.isBlocking })
    }

    @Test func harmlessRenames() {
        let sql = """
            ALTER TABLE users RENAME CONSTRAINT users_mail_key TO users_email_key;
            ALTER INDEX users_mail_idx RENAME TO users_email_idx;
            CREATE TABLE drafts (id int);
            ALTER TABLE drafts RENAME TO posts;
            ALTER TABLE posts RENAME COLUMN id TO post_id;
            """
        #expect(findings(sql, rule: rule).isEmpty)
    }

    @Test func breakingFileAllowsIt() {
        let found = findings("-- ogf:breaking\nALTER TABLE users RENAME COLUMN mail TO email;", rule: rule)
        #expect(found.count == 1)
        #expect(found.first?.isAllowed == true)
        #expect(found.first?.allowedReason?.contains("ogf:breaking") == true)
    }
}
