import Testing

@testable import OGFSQLLint

@Suite("Splitter: positions", .tags(.small))
struct SplitterPositionTests {
    private let lines = [
        "-- header",
        "SET lock_timeout = '5s';",
        "",
        "  ALTER TABLE users",
        "    ADD COLUMN note text;  CREATE INDEX CONCURRENTLY idx",
        "  ON users (note);",
    ]

    private func check(_ result: [SQLStatement]) {
        #expect(result.count == 3)
        #expect(result.map(\.line) == [2, 4, 5])
        #expect(result.map(\.column) == [1, 3, 28])
        let note = result[1].tokens.first { $0.text == "note" }
        #expect(note?.line == 5)
        #expect(note?.column == 16)
        let on = result[2].tokens.first { $0.text == "ON" }
        #expect(on?.line == 6)
        #expect(on?.column == 3)
        #expect(result[0].comments.first?.line == 1)
    }

    @Test func linesAndColumnsWithLF() {
        check(statements(lines.joined(separator: "\n")))
    }

    @Test func linesAndColumnsWithCRLF() {
        let result = statements(lines.joined(separator: "\r\n"))
        check(result)
        // The text keeps the file's own line endings.
        #expect(result[1].text == "ALTER TABLE users\r\n    ADD COLUMN note text")
    }

    @Test func linesAndColumnsWithLoneCR() {
        check(statements(lines.joined(separator: "\r")))
    }

    @Test func positionsAfterMultiLineLiterals() {
        let sql = "SELECT 'a\r\nb', $$\r\n;\r\n$$;\r\n/* x\r\n y */ SELECT \"q\r\nq\";\r\nSELECT 3;"
        let result = statements(sql)
        #expect(result.map(\.line) == [1, 6, 8])
        #expect(result.map(\.column) == [1, 7, 1])
        #expect(result[1].tokens[1].text == "q\r\nq")
    }

    @Test func columnsCountUnicodeScalars() {
        let result = statements("SELECT '\u{E9}\u{2713}'; SELECT 2;")
        #expect(result[1].column == 14)
    }
}
