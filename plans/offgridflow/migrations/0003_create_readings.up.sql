-- Telemetry: one row per device per sample.
SET LOCAL lock_timeout = '5s';

CREATE TABLE readings (
    device_id    bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    taken_at     timestamptz NOT NULL,
    watts        integer NOT NULL,
    state_of_charge numeric(5, 2) CHECK (state_of_charge BETWEEN 0 AND 100),
    PRIMARY KEY (device_id, taken_at)
);

COMMENT ON TABLE readings IS 'Telemetry samples; partitioning by month is planned once volumes need it.';
