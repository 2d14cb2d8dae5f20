/// A column type as written in DDL, normalized so that spellings of the same type compare equal
/// (`character varying(20)` and `varchar(20)`, `int` and `integer`, `decimal` and `numeric`).
struct SQLTypeName: Hashable, CustomStringConvertible {
    /// Canonical base name, such as `varchar`, `numeric`, `int4` or `timestamptz`.
    let base: String
    /// Numeric type modifiers, such as `[20]` for `varchar(20)` or `[10, 2]` for `numeric(10,2)`.
    let modifiers: [Int]
    let isArray: Bool

    var description: String {
        let arguments = modifiers.isEmpty ? "" : "(" + modifiers.map(String.init).joined(separator: ",") + ")"
        return base + arguments + (isArray ? "[]" : "")
    }

    private static let aliases: [String: String] = [
        "character varying": "varchar", "char varying": "varchar",
        "character": "bpchar", "char": "bpchar",
        "decimal": "numeric", "dec": "numeric",
        "int": "int4", "integer": "int4", "int4": "int4",
        "bigint": "int8", "smallint": "int2",
        "boolean": "bool", "real": "float4", "double precision": "float8", "float": "float8",
        "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
        "time without time zone": "time", "time with time zone": "timetz",
        "bit varying": "varbit",
        "serial4": "serial", "serial8": "bigserial", "serial2": "smallserial",
    ]

    /// The serial pseudo-types expand to a `nextval()` default, which is volatile.
    static let serialTypes: Set<String> = ["serial", "bigserial", "smallserial"]

    init(base: String, modifiers: [Int] = [], isArray: Bool = false) {
        self.base = base
        self.modifiers = modifiers
        self.isArray = isArray
    }

    /// Reads a type from the tokens of a column definition or an `ALTER COLUMN ... TYPE`.
    init?(tokens: ArraySlice<SQLToken>) {
        var words: [String] = []
        var modifiers: [Int] = []
        var isArray = false
        var index = tokens.startIndex
        while index < tokens.endIndex {
            let token = tokens[index]
            if token.isSymbol("(") {
                let end = tokens.indexAfterGroup(openingAt: index)
                modifiers += tokens[index..<end].filter { $0.kind == .number }.compactMap { Int($0.text) }
                index = end
                continue
            }
            if token.isSymbol("[") || token.isKeyword("ARRAY") {
                isArray = true
            } else if token.isSymbol(".") {
                // A schema qualifier: only the type's own name matters (pg_catalog.int4 is int4).
                words.removeAll()
            } else if let name = token.name {
                words.append(name)
            }
            index += 1
        }
        guard !words.isEmpty else { return nil }
        var base = words.joined(separator: " ")
        // `timestamp(3) with time zone` puts the precision before the zone words; the joined words still match.
        base = Self.aliases[base] ?? base
        self.init(base: base, modifiers: modifiers, isArray: isArray)
    }

    /// Whether changing a column from `old` to `self` is known not to rewrite the table or rebuild its indexes.
    ///
    /// Only the well-known binary-coercible widenings are accepted; anything else is assumed to rewrite,
    /// because a wrong "safe" answer takes the app down while a wrong "unsafe" one costs an `ogf:allow`.
    func changeAvoidsRewrite(from old: SQLTypeName) -> Bool {
        if old == self { return true }
        guard !old.isArray, !isArray else { return false }
        switch (old.base, base) {
        case ("varchar", "text"):
            return true
        case ("text", "varchar"):
            return modifiers.isEmpty
        case ("varchar", "varchar"):
            guard let newLength = modifiers.first else { return true }
            guard let oldLength = old.modifiers.first else { return false }
            return newLength >= oldLength
        case ("numeric", "numeric"):
            guard let newPrecision = modifiers.first else { return true }
            guard let oldPrecision = old.modifiers.first else { return false }
            let oldScale = old.modifiers.count > 1 ? old.modifiers[1] : 0
            let newScale = modifiers.count > 1 ? modifiers[1] : 0
            return newScale == oldScale && newPrecision >= oldPrecision
        default:
            return false
        }
    }
}
