-- ogf:no-transaction
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS readings_taken_at_idx;
