import Testing

@testable import OGFSQLLint

/// Whole migration files as a team would write them, expand and contract, checked end to end.
@Suite("End-to-end lint", .tags(.small))
struct EndToEndLintTests {
    static let expand = """
        -- 20240612_order_events.sql
        -- Adds order event tracking. Reviewed by @data-team.
        SET lock_timeout = '5s';
        SET statement_timeout = '15min';

        CREATE TABLE order_events (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES orders (id),
            kind text NOT NULL CHECK (kind IN ('created', 'paid; shipped', 'cancelled')),
            note text DEFAULT E'it\\'s new; -- not a comment',
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX order_events_order_id ON order_events (order_id); -- new table: no CONCURRENTLY needed
        ALTER TABLE order_events ADD CONSTRAINT order_events_kind_key UNIQUE (kind, order_id);

        ALTER TABLE orders
            ADD COLUMN status text NOT NULL DEFAULT 'pending',
            ADD COLUMN public_id uuid DEFAULT gen_random_uuid(),
            ADD COLUMN shipped_at timestamptz;

        -- ogf:allow set-not-null orders has 200 rows; checked in production on 2024-06-10
        ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;

        ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;

        CREATE INDEX orders_status_idx ON orders (status);

        CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$
        BEGIN
          NEW.updated_at := now(); -- ALTER TABLE orders DROP COLUMN x;
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;

        COMMENT ON COLUMN orders.status IS 'DROP TABLE orders; TRUNCATE orders; is only text';
        """

    @Test func expandMigration() {
        let report = lint(Self.expand, file: "20240612_order_events.sql")
        #expect(report.statements.count == 11)
        #expect(report.statements.map(\.line) == [3, 4, 6, 13, 14, 16, 22, 24, 26, 28, 35])
        let summary = report.findings.map { "\($0.line):\($0.column) \($0.ruleID)\($0.isAllowed ? " (allowed)" : "")" }
        #expect(summary == [
            "18:39 add-column-volatile-default",
            "22:45 set-not-null (allowed)",
            "26:1 create-index-without-concurrently",
        ])
        #expect(report.findings[1].allowedReason == "orders has 200 rows; checked in production on 2024-06-10")
        #expect(report.blockingFindings.count == 2)
        #expect(report.findings.allSatisfy { $0.file == "20240612_order_events.sql" })
        #expect(!report.directives.runsOutsideTransaction)
        #expect(report.directives.allows.count == 1)
    }

    static let indexes = """
        -- ogf:no-transaction
        -- Builds the indexes the expand migration needs, without blocking writes.
        SET lock_timeout = '5s';
        DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
        CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);
        ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
        CREATE UNIQUE INDEX CONCURRENTLY orders_public_id_idx ON orders (public_id);
        ALTER TABLE orders ADD CONSTRAINT orders_public_id_key UNIQUE USING INDEX orders_public_id_idx;
        """

    @Test func noTransactionIndexMigrationIsClean() {
        let report = lint(Self.indexes)
        #expect(report.findings.isEmpty)
        #expect(report.directives.runsOutsideTransaction)
        #expect(report.statements.count == 6)
    }

    static let contract = """
        -- ogf:breaking
        SET lock_timeout = '5s';
        ALTER TABLE orders DROP COLUMN legacy_state;
        ALTER TABLE orders RENAME COLUMN customer_ref TO customer_external_id;
        DROP TABLE order_notes;
        ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);
        """

    @Test func contractMigrationAllowsBreakingButNotLocking() {
        let report = lint(Self.contract)
        #expect(report.findings.map(\.ruleID) == [
            "drop-column-or-table", "rename-column-or-table", "drop-column-or-table", "alter-column-type-rewrite",
        ])
        #expect(report.blockingFindings.map(\.line) == [6])
        #expect(report.directives.isBreaking)
    }
}
