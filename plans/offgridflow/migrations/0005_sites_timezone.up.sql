-- Local time for daily energy reports. A constant default adds no table rewrite (PostgreSQL 11+).
-- No down file: dropping the column would lose operators' settings; this one is irreversible.
SET LOCAL lock_timeout = '5s';

ALTER TABLE sites ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
