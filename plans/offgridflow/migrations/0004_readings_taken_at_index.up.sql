-- ogf:no-transaction
-- Dashboards query the latest readings across devices; build the index without blocking writes.
SET lock_timeout = '5s';

CREATE INDEX CONCURRENTLY IF NOT EXISTS readings_taken_at_idx ON readings (taken_at DESC);
