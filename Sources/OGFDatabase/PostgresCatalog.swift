import OGFSQLLint
import Synchronization

/// The zero-downtime lint's questions about the schema, answered by a PostgreSQL catalog: the shadow database
/// between migrations of the dry run, or the live database when there is no shadow. Synchronous libpq calls:
/// use it inside `PostgresConnection.run`, on the connection's own thread. A failing query makes the answer
/// `unknown` with the server's message, so the finding stays and says why.
///
/// Answers are remembered: a catalog stands for one state of the schema (the shadow's makes a new one before each
/// migration; the live one serves a whole plan, the plan memory covering what earlier pending files change), so a
/// table or function asked about again costs no round trip.
final class PostgresCatalog: LintCatalog, Sendable {
    let connection: PostgresConnection
    /// Shown in `unknown` answers: "the shadow database" or "the live database".
    let source: String
    private let answers = Mutex<[String: [[String?]]]>([:])

    init(_ connection: PostgresConnection, source: String) {
        self.connection = connection
        self.source = source
    }

    static func regclass(_ name: QualifiedName) -> String {
        name.parts.map(PostgresConnection.quoteIdentifier).joined(separator: ".")
    }

    static let columnTypeSQL = """
        SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
        """
    static let notNullSQL = """
        SELECT a.attnotnull,
               (SELECT c.conname FROM pg_constraint c
                WHERE c.conrelid = a.attrelid AND c.contype = 'c' AND c.convalidated
                  AND pg_get_constraintdef(c.oid) = 'CHECK ((' || quote_ident($2) || ' IS NOT NULL))'
                ORDER BY c.conname LIMIT 1)
        FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
        """

    /// What a remembered answer answers: keys are the question and its parameters (short strings,
    /// hashed on every lookup; the SQL text itself made each key hundreds of bytes long).
    enum Question: String { case columnType = "t", notNull = "n", volatility = "v", index = "i" }

    private static func key(_ q: Question, _ params: [String?]) -> String {
        q.rawValue + "\u{0}" + params.map { $0 ?? "\u{1}" }.joined(separator: "\u{0}")
    }

    /// Reads every column of `tables` (type, NOT NULL, a validated `CHECK (col IS NOT NULL)`) in one query and
    /// remembers the answers the column questions would get, so a migration costs one round trip, not one per
    /// column. A failure here only means the questions are asked one by one.
    func prefetch(_ tables: [QualifiedName]) {
        // Each table once: a plan's files alter the same few tables again and again, and every name
        // sent costs the server a join and a constraint lookup per column.
        var seen = Set<String>()
        let names = answers.withLock { cache in
            tables.map(Self.regclass).filter { seen.insert($0).inserted && cache["prefetched\u{0}" + $0] == nil }
        }
        guard !names.isEmpty else { return }
        let array = "{" + names.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
        guard let rows = try? connection.query("""
            SELECT t.name, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   (SELECT c.conname FROM pg_constraint c
                    WHERE c.conrelid = a.attrelid AND c.contype = 'c' AND c.convalidated
                      AND pg_get_constraintdef(c.oid) = 'CHECK ((' || quote_ident(a.attname) || ' IS NOT NULL))'
                    ORDER BY c.conname LIMIT 1)
            FROM unnest($1::text[]) AS t(name) JOIN pg_attribute a ON a.attrelid = to_regclass(t.name)
            WHERE a.attnum > 0 AND NOT a.attisdropped
            """, [array]).rows else { return }
        answers.withLock { cache in
            for row in rows {
                guard let table = row[0], let column = row[1] else { continue }
                cache[Self.key(.columnType, [table, column])] = [[row[2]]]
                cache[Self.key(.notNull, [table, column])] = [[row[3], row[4]]]
            }
            for name in names { cache["prefetched\u{0}" + name] = [] }
        }
    }

    private func ask<T: Sendable>(_ q: Question, _ sql: String, _ params: [String?], _ read: ([[String?]]) -> T) -> CatalogAnswer<T> {
        let key = Self.key(q, params)
        if let rows = answers.withLock({ $0[key] }) { return .known(read(rows)) }
        do {
            let rows = try connection.query(sql, params).rows
            answers.withLock { $0[key] = rows }
            return .known(read(rows))
        } catch {
            return .unknown("reading \(source)'s catalog failed: \(error)")
        }
    }

    func functionVolatility(_ name: QualifiedName, argumentCount: Int) -> CatalogAnswer<FunctionVolatility?> {
        let schema = name.parts.count > 1 ? name.parts[name.parts.count - 2] : nil
        return ask(.volatility, """
            SELECT p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = $1 AND (($2::text IS NULL AND pg_function_is_visible(p.oid)) OR n.nspname = $2)
              AND (p.provariadic <> 0 OR $3::int BETWEEN p.pronargs - p.pronargdefaults AND p.pronargs)
            """, [name.object, schema, String(argumentCount)]) { rows in
            rows.compactMap { row -> FunctionVolatility? in
                switch row[0] {
                case "i"?: return .immutable
                case "s"?: return .stable
                case "v"?: return .volatile
                default: return nil
                }
            }.max()
        }
    }

    func columnType(table: QualifiedName, column: String) -> CatalogAnswer<String?> {
        ask(.columnType, Self.columnTypeSQL, [Self.regclass(table), column]) { $0.first?.first ?? nil }
    }

    func notNullProof(table: QualifiedName, column: String) -> CatalogAnswer<NotNullProof> {
        ask(.notNull, Self.notNullSQL, [Self.regclass(table), column]) { rows -> NotNullProof in
            guard let row = rows.first else { return .unproven }
            if row[0] == "t" { return .alreadyNotNull }
            if let name = row[1] { return .validatedCheck(constraint: name) }
            return .unproven
        }
    }

    func index(_ name: QualifiedName) -> CatalogAnswer<CatalogIndex?> {
        ask(.index, """
            SELECT i.indisunique, i.indisvalid,
                   coalesce((SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a
                             WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND NOT a.attnotnull), '')
            FROM pg_index i WHERE i.indexrelid = to_regclass($1)
            """, [Self.regclass(name)]) { rows -> CatalogIndex? in
            guard let row = rows.first else { return nil }
            let nullable = (row[2] ?? "").split(separator: ",").map(String.init)
            return CatalogIndex(isUnique: row[0] == "t", isValid: row[1] == "t", nullableColumns: nullable)
        }
    }
}

/// The live size of every table, read in one query for size-aware findings.
struct LiveTableSizes: Sendable {
    /// `schema.table`, and `table` alone when it is on the search_path → size.
    var sizes: [String: TableSize]

    static func read(_ c: PostgresConnection) throws -> LiveTableSizes {
        // A partitioned table has no heap of its own: its partitions' sizes count.
        let r = try c.query("""
            SELECT n.nspname, c.relname, c.reltuples::float8, pg_table_is_visible(c.oid),
                   CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
                        ELSE pg_total_relation_size(c.oid) END,
                   CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
                        ELSE pg_relation_size(c.oid) END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg_toast%' AND NOT c.relispartition
            """)
        var sizes: [String: TableSize] = [:]
        for row in r.rows {
            let heap = Int64(row[5] ?? "") ?? 1
            let total = Int64(row[4] ?? "") ?? 0
            let tuples = Double(row[2] ?? "") ?? -1
            // No heap pages means no rows; reltuples is only an estimate (-1: never analyzed).
            let size: TableSize = heap == 0 ? .empty : .populated(estimatedRows: tuples < 0 ? nil : tuples, bytes: total)
            let schema = row[0] ?? "", table = row[1] ?? ""
            sizes["\(schema).\(table)"] = size
            if row[3] == "t" { sizes[table] = size }
        }
        return LiveTableSizes(sizes: sizes)
    }

    /// Nil when the table is not found: the finding is then left as it is (never assumed new or empty).
    func size(_ table: QualifiedName) -> TableSize? {
        sizes[table.parts.suffix(2).joined(separator: ".")]
    }
}
