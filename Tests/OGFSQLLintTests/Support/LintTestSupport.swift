import Testing

@testable import OGFSQLLint

extension Tag {
    /// Pure, in-memory tests that finish in milliseconds.
    @Tag static var small: Self
}

/// Lints `sql` with every default rule, as ogf would.
func lint(_ sql: String, file: String = "0001_test.sql") -> LintReport {
    MigrationLinter().lint(file: file, sql: sql)
}

/// The findings of one rule only, so a rule's test is not coupled to the others.
func findings(_ sql: String, rule: String) -> [LintFinding] {
    lint(sql).findings.filter { $0.ruleID == rule }
}

/// Splits and returns the statements.
func statements(_ sql: String) -> [SQLStatement] {
    SQLSplitter.split(sql).statements
}
