import Testing

@testable import OGFSQLLint

@Suite("Splitter: quoting", .tags(.small))
struct SplitterQuotingTests {
    @Test func singleQuotedStringWithDoubledQuoteAndSemicolon() {
        let result = statements("INSERT INTO t VALUES ('a;''b'); SELECT 2;")
        #expect(result.count == 2)
        let string = result[0].tokens.first { $0.kind == .string }
        #expect(string?.text == "a;'b")
    }

    @Test func plainStringTreatsBackslashLiterally() {
        // standard_conforming_strings: 'C:\' is complete, the backslash does not escape the quote.
        let result = statements(#"SELECT 'C:\'; SELECT 2;"#)
        #expect(result.count == 2)
        #expect(result[0].tokens.last?.text == #"C:\"#)
    }

    @Test func escapeStringHonoursBackslashEscapes() {
        let result = statements(#"SELECT E'it\'s; \\ done\n', e'\x41\101'; SELECT 2;"#)
        #expect(result.count == 2)
        let strings = result[0].tokens.filter { $0.kind == .string }.map(\.text)
        #expect(strings == ["it's; \\ done\n", "AA"])
    }

    @Test func doubleQuotedIdentifierKeepsCaseAndUnescapes() {
        let result = statements(#"CREATE TABLE "We""ird;Name" ("Check" int); SELECT 2;"#)
        #expect(result.count == 2)
        let quoted = result[0].tokens.filter { $0.kind == .quotedIdentifier }.map(\.text)
        #expect(quoted == [#"We"ird;Name"#, "Check"])
        // A quoted identifier never reads as the keyword it spells.
        #expect(result[0].tokens.contains { $0.isKeyword("CHECK") } == false)
    }

    @Test func dollarQuotedBodiesWithAndWithoutTags() {
        let sql = """
            DO $$ BEGIN PERFORM 1; END $$;
            CREATE FUNCTION f() RETURNS text AS $body$ SELECT $$x;$$ || 'y;'; $body$ LANGUAGE sql;
            SELECT $a$ $b$ ; $a$;
            """
        let result = statements(sql)
        #expect(result.count == 3)
        #expect(result[0].tokens.map(\.kind) == [.keyword, .string])
        #expect(result[0].tokens[1].text == " BEGIN PERFORM 1; END ")
        #expect(result[1].tokens.first { $0.kind == .string }?.text == " SELECT $$x;$$ || 'y;'; ")
        #expect(result[1].tokens.last?.text == "SQL")
        #expect(result[2].tokens.last?.text == " $b$ ; ")
    }

    @Test func dollarInsideIdentifierAndParameterAreNotQuotes() {
        let result = statements("SELECT a$b, $1 FROM t; SELECT 2;")
        #expect(result.count == 2)
        #expect(result[0].tokens[1] == SQLToken(kind: .identifier, text: "a$b", line: 1, column: 8))
        #expect(result[0].tokens[3].kind == .parameter)
    }

    @Test func semicolonInsideParenthesesDoesNotSplit() {
        // psql does the same; CREATE RULE ... DO (a; b) relies on it.
        let result = statements("CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b); SELECT 2;")
        #expect(result.count == 2)
    }

    @Test func beginAtomicBodyKeepsItsSemicolons() {
        let sql = """
            CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a > 0 THEN a ELSE 0 END;
              SELECT a + b;
            END;
            BEGIN;
            SELECT 1;
            COMMIT;
            """
        let result = statements(sql)
        #expect(result.count == 4)
        #expect(result[0].tokens.last?.text == "END")
        #expect(result.dropFirst().map(\.text) == ["BEGIN", "SELECT 1", "COMMIT"])
    }

    @Test func tokensAreNormalized() {
        let result = statements(#"create Index "MyIdx" on Public.Users (Email);"#)
        let tokens = result[0].tokens
        #expect(tokens.map(\.kind) == [
            .keyword, .keyword, .quotedIdentifier, .keyword, .identifier, .punctuation, .identifier,
            .punctuation, .identifier, .punctuation,
        ])
        #expect(tokens.map(\.text) == ["CREATE", "INDEX", "MyIdx", "ON", "public", ".", "users", "(", "email", ")"])
    }

    @Test func numbersOperatorsAndCasts() {
        let tokens = statements("SELECT 1.5e3, .5, 0x1F, a::text, b->>'k' <> c;")[0].tokens
        #expect(tokens.filter { $0.kind == .number }.map(\.text) == ["1.5e3", ".5", "0x1F"])
        #expect(tokens.filter { $0.kind == .operator }.map(\.text) == ["->>", "<>"])
        #expect(tokens.contains(SQLToken(kind: .punctuation, text: "::", line: 1, column: 26)))
    }

    @Test func unterminatedStringSwallowsTheRestAndIsReported() {
        let script = SQLSplitter.split("SELECT 'abc;\nDROP TABLE users;")
        #expect(script.statements.count == 1)
        #expect(script.issues.count == 1)
        #expect(script.issues.first?.line == 1)
        #expect(script.issues.first?.column == 8)
    }
}
