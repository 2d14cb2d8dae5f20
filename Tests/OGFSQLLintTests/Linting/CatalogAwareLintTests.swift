import Testing

@testable import OGFSQLLint

/// A catalog answering from fixed tables, as ogf's PostgreSQL catalog would.
struct FakeCatalog: LintCatalog {
    var functions: [String: FunctionVolatility] = [:]
    var columns: [String: String] = [:]
    var proofs: [String: NotNullProof] = [:]
    var indexes: [String: CatalogIndex] = [:]
    var failure: String?

    func functionVolatility(_ name: QualifiedName, argumentCount: Int) -> CatalogAnswer<FunctionVolatility?> {
        if let failure { return .unknown(failure) }
        return .known(functions[name.object])
    }

    func columnType(table: QualifiedName, column: String) -> CatalogAnswer<String?> {
        if let failure { return .unknown(failure) }
        return .known(columns["\(table).\(column)"])
    }

    func notNullProof(table: QualifiedName, column: String) -> CatalogAnswer<NotNullProof> {
        if let failure { return .unknown(failure) }
        return .known(proofs["\(table).\(column)"] ?? NotNullProof.unproven)
    }

    func index(_ name: QualifiedName) -> CatalogAnswer<CatalogIndex?> {
        if let failure { return .unknown(failure) }
        return .known(indexes[name.object])
    }
}

func catalogLint(_ sql: String, _ catalog: FakeCatalog?, rule: String) -> [LintFinding] {
    var memory = LintPlanMemory()
    return MigrationLinter().lint(file: "0002_x.sql", sql: sql, catalog: catalog, memory: &memory).findings
        .filter { $0.ruleID == rule }
}

@Suite("Catalog-aware lint", .tags(.small))
struct CatalogAwareLintTests {
    let volatile = AddColumnVolatileDefaultRule.id

    @Test func userFunctionVolatilityComesFromTheCatalog() {
        let sql = "ALTER TABLE emails ADD COLUMN token text NOT NULL DEFAULT random_string(26);"
        #expect(catalogLint(sql, FakeCatalog(functions: ["random_string": .volatile]), rule: volatile).first?.message
            == "Column token added to existing table emails with DEFAULT random_string(), a VOLATILE function (pg_proc.provolatile = 'v')")
        #expect(catalogLint(sql, FakeCatalog(functions: ["random_string": .immutable]), rule: volatile).isEmpty)
        #expect(catalogLint(sql, FakeCatalog(functions: ["random_string": .stable]), rule: volatile).isEmpty)
    }

    @Test func unknownVolatilityIsNeverAssumedSafe() {
        let sql = "ALTER TABLE emails ADD COLUMN token text DEFAULT random_string(26);"
        #expect(catalogLint(sql, nil, rule: volatile).first?.message.contains("volatility is unknown (linted without a database catalog)") == true)
        #expect(catalogLint(sql, FakeCatalog(), rule: volatile).first?.message.contains("a function with 1 argument the catalog does not know") == true)
        #expect(catalogLint(sql, FakeCatalog(failure: "connection lost"), rule: volatile).first?.message.contains("(connection lost)") == true)
    }

    @Test func functionCreatedInTheFileDecides() {
        let sql = """
            CREATE FUNCTION a() RETURNS text LANGUAGE sql AS $$ SELECT 'a' $$;
            CREATE OR REPLACE FUNCTION b() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'b' $$;
            ALTER TABLE t ADD COLUMN x text DEFAULT a(), ADD COLUMN y text DEFAULT b();
            """
        let found = catalogLint(sql, FakeCatalog(), rule: volatile)
        #expect(found.map(\.message) == ["Column x added to existing table t with DEFAULT a(), a VOLATILE function (created without IMMUTABLE or STABLE)"])
    }

    @Test func typeModifiersAreNotCalls() {
        #expect(catalogLint("ALTER TABLE t ADD COLUMN x varchar(9) DEFAULT 'a'::varchar(9);", FakeCatalog(), rule: volatile).isEmpty)
    }

    @Test func setNotNullProvenByAValidatedCheckInTheCatalog() {
        let sql = "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;"
        let rule = SetNotNullRule.id
        #expect(catalogLint(sql, FakeCatalog(proofs: ["foo.bar": .validatedCheck(constraint: "c")]), rule: rule).isEmpty)
        #expect(catalogLint(sql, FakeCatalog(proofs: ["foo.bar": .alreadyNotNull]), rule: rule).isEmpty)
        #expect(catalogLint(sql, FakeCatalog(), rule: rule).first?.message.contains("no validated CHECK (bar IS NOT NULL)") == true)
        #expect(catalogLint(sql, FakeCatalog(failure: "timeout"), rule: rule).first?.message.contains("unknown: timeout") == true)
    }

    @Test func recipeAcrossFilesRemembered() {
        var memory = LintPlanMemory()
        let linter = MigrationLinter()
        _ = linter.lint(file: "1.sql", sql: "ALTER TABLE foo ADD CONSTRAINT c CHECK (bar IS NOT NULL) NOT VALID;", catalog: FakeCatalog(), memory: &memory)
        _ = linter.lint(file: "2.sql", sql: "ALTER TABLE foo VALIDATE CONSTRAINT c;", catalog: FakeCatalog(), memory: &memory)
        let last = linter.lint(file: "3.sql", sql: "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", catalog: FakeCatalog(), memory: &memory)
        #expect(last.findings.filter { $0.ruleID == SetNotNullRule.id }.isEmpty)
    }

    @Test func typeChangeUsesTheCatalogType() {
        let rule = AlterColumnTypeRule.id
        let catalog = FakeCatalog(columns: ["t.name": "character varying(20)", "t.n": "integer"])
        #expect(catalogLint("ALTER TABLE t ALTER COLUMN name TYPE varchar(40);", catalog, rule: rule).isEmpty)
        #expect(catalogLint("ALTER TABLE t ALTER COLUMN name TYPE text;", catalog, rule: rule).isEmpty)
        #expect(catalogLint("ALTER TABLE t ALTER COLUMN name TYPE varchar(10);", catalog, rule: rule).count == 1)
        #expect(catalogLint("ALTER TABLE t ALTER COLUMN n TYPE bigint;", catalog, rule: rule).first?.message
            == "Column n of existing table t changes type from int4 to int8")
        #expect(catalogLint("ALTER TABLE t ALTER COLUMN gone TYPE bigint;", catalog, rule: rule).first?.message.contains("the catalog has no column gone in t") == true)
    }

    @Test func adoptedIndexChecked() {
        let rule = UniqueConstraintIndexRule.id
        let catalog = FakeCatalog(indexes: [
            "ok": CatalogIndex(isUnique: true, isValid: true, nullableColumns: []),
            "broken": CatalogIndex(isUnique: true, isValid: false, nullableColumns: []),
            "nullable": CatalogIndex(isUnique: true, isValid: true, nullableColumns: ["id"]),
        ])
        #expect(catalogLint("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX ok;", catalog, rule: rule).isEmpty)
        #expect(catalogLint("ALTER TABLE t ADD CONSTRAINT k PRIMARY KEY USING INDEX ok;", catalog, rule: rule).isEmpty)
        #expect(catalogLint("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX broken;", catalog, rule: rule).first?.message.contains("INVALID") == true)
        #expect(catalogLint("ALTER TABLE t ADD CONSTRAINT k PRIMARY KEY USING INDEX nullable;", catalog, rule: rule).count == 1)
    }

    @Test func tableCreatedEarlierInThePlanLowersToInfo() {
        var memory = LintPlanMemory()
        let linter = MigrationLinter()
        _ = linter.lint(file: "1.sql", sql: "CREATE TABLE public.d (id int);", catalog: nil, memory: &memory)
        let report = linter.lint(file: "2.sql", sql: "CREATE INDEX d_id ON d (id);", catalog: nil, memory: &memory)
        let finding = report.findings.first { $0.ruleID == CreateIndexConcurrentlyRule.id }
        #expect(finding?.severity == .info)
        #expect(finding?.note == "table d is created earlier in this plan (1.sql), so no running code uses it yet")
        #expect(report.isBlocking == false)
    }

    @Test func sizesWeighFindings() {
        let findings = lint("CREATE INDEX a_x ON a (x);\nCREATE INDEX b_x ON b (x);\nCREATE INDEX c_x ON c (x);\nDROP TABLE a;").findings
        let weighed = MigrationLinter.weigh(findings) { table in
            switch table.object {
            case "a": return .populated(estimatedRows: 48_000_000, bytes: 19 * 1 << 30)
            case "b": return .empty
            default: return nil
            }
        }
        let byLine = Dictionary(grouping: weighed, by: \.line)
        #expect(byLine[1]?.first?.note == "a: ~48M rows, 19 GB")
        #expect(byLine[1]?.first?.severity == .error)
        #expect(byLine[2]?.first?.severity == .info)
        #expect(byLine[3]?.first?.severity == .error && byLine[3]?.first?.note == nil, "no size known: left as it is")
        #expect(byLine[4]?.first { $0.ruleID == DropColumnOrTableRule.id }?.severity == .error, "dropping is not about size")
    }
}
