import Foundation
import Testing
@testable import OGFDatabase

@Suite struct DatabaseUnitTests {
    @Test func urlsAreMaskedAndSplit() throws {
        let u = try #require(DatabaseURL("postgres://app:p%40ss@db.example:5433/offgridflow?sslmode=require"))
        #expect(u.password == "p@ss")
        #expect(u.masked == "postgres://app:****@db.example:5433/offgridflow?sslmode=require")
        #expect(u.withoutPassword == "postgres://app@db.example:5433/offgridflow?sslmode=require")
        #expect(u.with(database: "shadow") == "postgres://app:p%40ss@db.example:5433/shadow?sslmode=require")
        #expect(DatabaseURL.mask("failed for p@ss", password: "p@ss") == "failed for ****")
    }

    /// SQLSTATE 57014 is both a user's cancel and statement_timeout; only the latter is a timeout.
    @Test func cancelIsNotATimeout() {
        let cancel = PostgresError(sqlState: "57014", message: "canceling statement due to user request")
        let timeout = PostgresError(sqlState: "57014", message: "canceling statement due to statement timeout")
        #expect(cancel.isCancelled && !cancel.isTimeout)
        #expect(timeout.isTimeout && !timeout.isCancelled)
        #expect(PostgresError.cancelled.isCancelled)
        #expect(PostgresError(sqlState: "55P03", message: "canceling statement due to lock timeout").isTimeout)
    }

    @Test func migrationFileNames() {
        #expect(MigrationFolder.parse("0042_add_devices.up.sql")! == (42, "add_devices", "up"))
        #expect(MigrationFolder.parse("0042_add_devices.down.sql")! == (42, "add_devices", "down"))
        #expect(MigrationFolder.parse("add_devices.up.sql") == nil)
        #expect(MigrationFolder.parse("0042.up.sql") == nil)
        #expect(MigrationFolder.parse("0042_x.sql") == nil)
    }

    @Test func folderProblemsNameTheirFiles() throws {
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "select 1;")
        try p.write("001_dup.up.sql", "select 1;")
        try p.write("0003_orphan.down.sql", "select 1;")
        try p.write("notes.sql", "")
        let (folder, problems) = try MigrationFolder.read(p.folder, root: p.root)
        #expect(folder.migrations.map(\.version) == [1])
        #expect(Set(problems.map(\.file)) == ["db/migrations/001_dup.up.sql", "db/migrations/0003_orphan.down.sql", "db/migrations/notes.sql"])
    }

    @Test func statementPositionsMapToFileLines() {
        let sql = "-- header\nCREATE TABLE a (\n  x int,\n  y txet\n);\nSELECT $$ ; $$;\n"
        let s = MigrationStatement.split(sql)
        #expect(s.count == 2)
        #expect(s[0].line == 2)
        #expect(s[0].fileLine(ofPosition: (s[0].text as NSString).range(of: "txet").location + 1) == 4)
        #expect(s[1].text == "SELECT $$ ; $$")
    }

    @Test func directives() {
        #expect(MigrationFlags(sql: "-- ogf:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);").noTransaction)
        #expect(!MigrationFlags(sql: "CREATE INDEX i ON t (x); -- not a directive: ogf:no-transaction").noTransaction)
        #expect(MigrationFlags(sql: "-- ogf:breaking\nALTER TABLE t DROP COLUMN x;").breaking)
    }
}

@Suite struct TransactionControlTests {
    @Test func transactionControlIsRecognised() {
        let yes = ["BEGIN", "begin work", "START TRANSACTION", "COMMIT", "end", "ROLLBACK", "abort"]
        let no = ["ROLLBACK TO SAVEPOINT a", "SAVEPOINT a", "CREATE TABLE begin_x (id int)", "SELECT 1", "START_X"]
        for s in yes { #expect(MigrationStatement(text: s, line: 1, column: 1).isTransactionControl, "\(s)") }
        for s in no { #expect(!MigrationStatement(text: s, line: 1, column: 1).isTransactionControl, "\(s)") }
    }

    @Test func aPendingFileWithCommitIsAProblemNamingItsLine() throws {
        let p = try Project()
        defer { p.cleanup() }
        try p.write("0001_a.up.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
        let files = try MigrationFolder.read(p.folder, root: p.root).0.migrations
        let status = MigrationStatus(files: files, applied: [], folder: p.folder)
        #expect(status.problems.map(\.description).first?.hasPrefix("db/migrations/0001_a.up.sql: transaction control (BEGIN)") == true)
        try p.write("0001_a.up.sql", "-- ogf:no-transaction\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
        let again = try MigrationFolder.read(p.folder, root: p.root).0.migrations
        #expect(MigrationStatus(files: again, applied: [], folder: p.folder).problems.isEmpty)
    }
}
