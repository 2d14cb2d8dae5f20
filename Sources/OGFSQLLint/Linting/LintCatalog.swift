/// What the linter may ask about the schema as it stands just before the migration being linted. ogf answers it
/// from the shadow database while the dry run replays the pending migrations (or from the live database when the
/// shadow is off); the linter itself never connects anywhere.
///
/// Every answer may be ``CatalogAnswer/unknown(_:)`` with a reason: a rule that cannot get an answer keeps its
/// finding and quotes the reason. Nothing is ever assumed safe.
public protocol LintCatalog: Sendable {
    /// The volatility of the function `name` called with `argumentCount` arguments, as `pg_proc.provolatile` says.
    /// Nil when no such function exists; when overloads disagree, the most volatile one.
    func functionVolatility(_ name: QualifiedName, argumentCount: Int) -> CatalogAnswer<FunctionVolatility?>
    /// The column's current type as `format_type` prints it (`character varying(20)`); nil when there is no such column.
    func columnType(table: QualifiedName, column: String) -> CatalogAnswer<String?>
    /// Whether the catalog proves the column holds no NULLs, so `SET NOT NULL` needs no scan.
    func notNullProof(table: QualifiedName, column: String) -> CatalogAnswer<NotNullProof>
    /// The index `name`; nil when there is none.
    func index(_ name: QualifiedName) -> CatalogAnswer<CatalogIndex?>
}

/// An answer from the catalog, or why there is none.
public enum CatalogAnswer<Value: Sendable>: Sendable {
    case known(Value)
    /// The catalog could not tell; the reason is shown in the finding.
    case unknown(String)
}

/// `pg_proc.provolatile`.
public enum FunctionVolatility: String, Sendable, Hashable, Comparable {
    case immutable, stable, volatile

    public static func < (lhs: Self, rhs: Self) -> Bool {
        let order: [Self] = [.immutable, .stable, .volatile]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// What proves a column has no NULLs.
public enum NotNullProof: Sendable, Hashable {
    /// The column is NOT NULL already: SET NOT NULL does nothing.
    case alreadyNotNull
    /// A validated `CHECK (column IS NOT NULL)`: PostgreSQL 12+ skips the scan.
    case validatedCheck(constraint: String)
    /// Nothing proves it: SET NOT NULL scans the table.
    case unproven
}

/// An index as the catalog describes it.
public struct CatalogIndex: Sendable, Hashable {
    public let isUnique: Bool
    /// False for an index a failed `CREATE INDEX CONCURRENTLY` left behind.
    public let isValid: Bool
    /// Columns of the index that are nullable (PRIMARY KEY USING INDEX has to SET NOT NULL them, scanning the table).
    public let nullableColumns: [String]

    public init(isUnique: Bool, isValid: Bool, nullableColumns: [String]) {
        self.isUnique = isUnique
        self.isValid = isValid
        self.nullableColumns = nullableColumns
    }
}

/// How big a table is in the live database, for size-aware findings.
public enum TableSize: Sendable, Hashable {
    /// `pg_class.reltuples` (nil when the table was never analyzed) and `pg_total_relation_size`.
    case populated(estimatedRows: Double?, bytes: Int64)
    /// The table's heap has no pages: it holds no rows.
    case empty
    /// The live database has no such table: an earlier migration of this plan creates it.
    case absent

    /// `~48M rows, 19 GB`.
    public var reading: String {
        switch self {
        case .populated(let rows, let bytes):
            let rowText = rows.map { "~" + Self.count($0) + " rows" } ?? "rows not counted yet (never analyzed)"
            return rowText + ", " + Self.bytes(bytes)
        case .empty: return "empty"
        case .absent: return "not in the live database"
        }
    }

    static func count(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, unit) in units where value >= scale {
            let scaled = value / scale
            return (scaled < 10 ? String(Double(Int(scaled * 10)) / 10) : String(Int(scaled))) + unit
        }
        return String(Int(value))
    }

    static func bytes(_ value: Int64) -> String {
        let units: [(Double, String)] = [(Double(1 << 40), "TB"), (Double(1 << 30), "GB"), (Double(1 << 20), "MB"), (Double(1 << 10), "kB")]
        let v = Double(value)
        for (scale, unit) in units where v >= scale {
            let scaled = v / scale
            return (scaled < 10 ? String(Double(Int(scaled * 10)) / 10) : String(Int(scaled))) + " " + unit
        }
        return "\(value) bytes"
    }
}
