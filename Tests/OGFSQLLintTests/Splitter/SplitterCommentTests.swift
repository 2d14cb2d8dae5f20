import Testing

@testable import OGFSQLLint

@Suite("Splitter: comments", .tags(.small))
struct SplitterCommentTests {
    @Test func lineCommentHidesSemicolonsAndKeywords() {
        let result = statements("-- DROP TABLE users; TRUNCATE x;\nSELECT 1; -- trailing; note\nSELECT 2;")
        #expect(result.map(\.text) == ["SELECT 1", "SELECT 2"])
        #expect(result[0].comments.map(\.body) == [" DROP TABLE users; TRUNCATE x;", " trailing; note"])
        #expect(result[1].comments.isEmpty)
    }

    @Test func nestedBlockCommentIsOneComment() {
        let sql = "/* outer /* inner; */ still comment; DROP TABLE x; */ SELECT 1;"
        let result = statements(sql)
        #expect(result.count == 1)
        #expect(result[0].text == "SELECT 1")
        #expect(result[0].comments.count == 1)
        #expect(result[0].comments[0].body == " outer /* inner; */ still comment; DROP TABLE x; ")
        #expect(result[0].comments[0].isBlock)
    }

    @Test func commentInsideStatementIsKeptInTextButNotInTokens() {
        let result = statements("ALTER TABLE t /* why; */ ADD COLUMN c int -- more\n ;")
        #expect(result.count == 1)
        #expect(result[0].text == "ALTER TABLE t /* why; */ ADD COLUMN c int")
        #expect(result[0].tokens.map(\.text) == ["ALTER", "TABLE", "t", "ADD", "COLUMN", "c", "INT"])
        #expect(result[0].comments.map(\.text) == ["/* why; */", "-- more"])
    }

    @Test func commentsAfterLastStatementAreUnattached() {
        let script = SQLSplitter.split("SELECT 1;\n-- the end\n/* really */")
        #expect(script.statements.count == 1)
        #expect(script.statements[0].comments.isEmpty)
        #expect(script.unattachedComments.map(\.text) == ["-- the end", "/* really */"])
    }

    @Test func operatorDoesNotSwallowComment() {
        let result = statements("SELECT 1=--one\n1;")
        #expect(result[0].tokens.map(\.text) == ["SELECT", "1", "=", "1"])
        #expect(result[0].comments.map(\.body) == ["one"])
    }

    @Test func unterminatedBlockCommentIsReported() {
        let script = SQLSplitter.split("SELECT 1;\n  /* never closed; DROP TABLE t;")
        #expect(script.statements.map(\.text) == ["SELECT 1"])
        #expect(script.issues.count == 1)
        #expect(script.issues.first?.line == 2)
        #expect(script.issues.first?.column == 3)
    }
}
