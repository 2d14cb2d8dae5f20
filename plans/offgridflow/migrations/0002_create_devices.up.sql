-- Devices at a site: inverters, charge controllers, battery banks.
SET LOCAL lock_timeout = '5s';

CREATE TYPE device_kind AS ENUM ('inverter', 'charge_controller', 'battery', 'meter');

CREATE TABLE devices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind        device_kind NOT NULL,
    serial      text NOT NULL,
    firmware    text,
    UNIQUE (site_id, serial)
);
