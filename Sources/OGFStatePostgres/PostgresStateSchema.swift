import Foundation

/// The tables of the postgres state backend, in their own schema, and the backend's own schema
/// version (upgraded in place; a schema from a newer ogf is refused). docs/state-backends.md.
enum PostgresStateSchema {
    /// Bump when the tables change, and add the step to `upgrades`.
    static let version = 2

    /// Steps from version N-1 to N, index N-1, each a list of statements (run in one
    /// transaction with the version bump). Version 1 is the first layout; version 2 adds the
    /// audit log (`audit`, append-only by trigger, and `audit_heads`).
    static func upgrades(_ s: String) -> [[String]] {
        [
            statements("""
            CREATE TABLE IF NOT EXISTS \(s).environments (
              name text PRIMARY KEY,
              lineage text NOT NULL,
              serial bigint NOT NULL,
              secret_salt text NOT NULL,
              format_version integer NOT NULL,
              ogf_version text NOT NULL,
              moved_to text,
              updated_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS \(s).resources (
              environment text NOT NULL REFERENCES \(s).environments (name) ON DELETE CASCADE,
              address text NOT NULL,
              body text NOT NULL,
              updated_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (environment, address));
            CREATE TABLE IF NOT EXISTS \(s).history (
              environment text NOT NULL REFERENCES \(s).environments (name) ON DELETE CASCADE,
              id integer NOT NULL,
              body text NOT NULL,
              PRIMARY KEY (environment, id));
            CREATE TABLE IF NOT EXISTS \(s).locks (
              environment text PRIMARY KEY,
              lock_id text NOT NULL,
              holder_user text NOT NULL,
              host text NOT NULL,
              pid integer NOT NULL,
              operation text NOT NULL,
              since timestamptz NOT NULL,
              heartbeat timestamptz NOT NULL,
              backend_pid integer NOT NULL,
              ogf_version text NOT NULL);
            """),
            [
                """
                CREATE TABLE IF NOT EXISTS \(s).audit (
                  environment text NOT NULL,
                  seq integer NOT NULL,
                  line text NOT NULL,
                  written_at timestamptz NOT NULL DEFAULT now(),
                  PRIMARY KEY (environment, seq))
                """,
                """
                CREATE TABLE IF NOT EXISTS \(s).audit_heads (
                  environment text PRIMARY KEY,
                  mac_key text NOT NULL,
                  count integer NOT NULL,
                  last text NOT NULL)
                """,
                // Rows of the log are never changed nor removed, whoever asks (a table owner can
                // still drop the trigger: the chain and its MAC show what was done then).
                """
                CREATE OR REPLACE FUNCTION \(s).audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN
                  RAISE EXCEPTION 'the ogf audit log is append-only: % on %.audit refused', TG_OP, TG_TABLE_SCHEMA
                    USING ERRCODE = 'insufficient_privilege';
                END $f$
                """,
                "DROP TRIGGER IF EXISTS audit_append_only ON \(s).audit",
                "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON \(s).audit FOR EACH ROW EXECUTE FUNCTION \(s).audit_append_only()",
                "DROP TRIGGER IF EXISTS audit_no_truncate ON \(s).audit",
                "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON \(s).audit FOR EACH STATEMENT EXECUTE FUNCTION \(s).audit_append_only()",
            ],
        ]
    }

    static func statements(_ text: String) -> [String] {
        text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Makes sure the schema exists at this version: nothing to do (one query) when it does;
    /// otherwise creates or upgrades it under a transaction-level advisory lock, so two ogf
    /// processes starting on a new schema do not race.
    static func prepare(_ c: StateConnection, schema: String, setupKey: Int64) throws {
        let s = quote(schema)
        let found = try c.query("SELECT to_regclass($1) IS NOT NULL", ["\(s).ogf_meta"])
        if found.first?.first == "t", let v = try currentVersion(c, s) {
            if v == version { return }
            if v > version { throw newer(v, schema) }
        }
        do {
            try c.query("BEGIN")
            try c.query("SELECT pg_advisory_xact_lock($1)", [String(setupKey)])
            try c.query("CREATE SCHEMA IF NOT EXISTS \(s)")
            try c.query("CREATE TABLE IF NOT EXISTS \(s).ogf_meta (key text PRIMARY KEY, value text NOT NULL)")
            let v = try currentVersion(c, s) ?? 0
            if v > version { throw newer(v, schema) }
            let steps = upgrades(s)
            for i in v..<version {
                for stmt in steps[i] { try c.query(stmt) }
            }
            try c.query("INSERT INTO \(s).ogf_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        [String(version)])
            try c.query("COMMIT")
        } catch let e as StateDatabaseError {
            _ = try? c.query("ROLLBACK")
            if e.sqlState == "42501" {
                throw PostgresStateError.privilege("the role may not create schema \(schema) or its tables (\(e.message))",
                                                  hint: "Grant it: GRANT CREATE ON DATABASE <db> TO <role>; or have an administrator create schema \(schema) owned by the role.")
            }
            throw e
        } catch {
            _ = try? c.query("ROLLBACK")
            throw error
        }
    }

    static func currentVersion(_ c: StateConnection, _ s: String) throws -> Int? {
        try c.query("SELECT value FROM \(s).ogf_meta WHERE key = 'schema_version'").first?.first?.flatMap { Int($0) }
    }

    static func newer(_ v: Int, _ schema: String) -> PostgresStateError {
        .newerSchema("schema \(schema) has state-backend version \(v), written by a newer ogf; this ogf knows version \(version)",
                     hint: "Use the newer ogf (it upgraded the tables in place), or point state.schema at another schema.")
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Failures of the postgres state backend, each with what to do.
public enum PostgresStateError: Error, CustomStringConvertible {
    case connect(String, hint: String)
    case privilege(String, hint: String)
    case newerSchema(String, hint: String)
    case moved(String)
    case lost(String)
    case changed(String)

    public var description: String {
        switch self {
        case .connect(let s, let h), .privilege(let s, let h), .newerSchema(let s, let h): return "\(s). \(h)"
        case .moved(let s), .lost(let s), .changed(let s): return s
        }
    }
}
