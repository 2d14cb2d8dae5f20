import OGFCore

/// `ogf validate` checks what it can of a schema without a server: the backup field, the
/// migrations folder's layout (names, versions, pairs), and each file's statements as far as
/// reading them goes — unterminated quotes or comments, unknown `-- ogf:` directives and
/// `ogf:allow` without a reason — at the statement's FILE:LINE:COLUMN. The zero-downtime rules
/// need to know which migrations are pending, so they run at plan time.
extension PostgresSchemaKind: ValidatingKind {
    static let syntaxRules: Set<String> = ["unterminated-input", "unknown-directive", "allow-without-reason"]

    public func validate(_ config: [String: Value], context: KindContext) -> [Diagnostic] {
        var out = Self.backupProblems(config["backup"])
        guard let folder = config["migrations"], folder.isKnown, let path = folder.unmarked.stringValue else { return out }
        let read: MigrationFolder
        do {
            let layoutName = config["layout"]?.unmarked.stringValue ?? "ogf"
            guard let layout = MigrationLayout(rawValue: layoutName) else {
                return out + [.field("layout", "unknown layout \"\(layoutName)\": use one of \(MigrationLayout.allCases.map(\.rawValue).joined(separator: ", "))")]
            }
            let (f, problems) = try MigrationFolder.read(path, root: context.projectRoot, layout: layout)
            read = f
            out += problems.map { .error($0.message, code: .invalidInputFile, at: SourceLocation(file: $0.file, line: $0.line, column: 1)) }
        } catch let p as MigrationFolder.Problem {
            return out + [.field("migrations", p.message, code: .invalidInputFile)]
        } catch {
            return out + [.field("migrations", "\(error)", code: .invalidInputFile)]
        }
        guard MigrationLint.isAvailable else { return out }
        for m in read.migrations {
            for f in MigrationLint.lint(file: m.path, sql: m.sql, outsideTransaction: m.outsideTransaction) where Self.syntaxRules.contains(f.ruleID) {
                out.append(.error("[\(f.ruleID)] \(f.message)", detail: f.why.isEmpty ? nil : f.why, code: .invalidInputFile,
                                  at: SourceLocation(file: f.file, line: f.line, column: f.column)))
            }
        }
        return out
    }
}
