-- Sites: an off-grid installation (a cabin, a farm, a telecom mast) with its own energy system.
SET LOCAL lock_timeout = '5s';

CREATE TABLE sites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    latitude    double precision,
    longitude   double precision,
    created_at  timestamptz NOT NULL DEFAULT now()
);
