-- Communications (issue 17): an incident's public updates and their
-- cadence (fireline.Comms as JSON), derived from its timeline's
-- public_update_* events, acknowledgement, declaration and resolution,
-- and written in their transaction. published_at is when its first
-- update went public (NULL while none has): the public status page reads
-- only incidents with one. Maintenance windows may be public (shown on
-- the status page as scheduled maintenance).

-- +goose Up
CREATE TABLE incident_comms (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    comms           TEXT NOT NULL,
    published_at    BIGINT
);
CREATE INDEX incident_comms_published ON incident_comms (published_at);
ALTER TABLE maintenance_windows ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;

-- Customers subscribed to public components by email (components: a JSON
-- list, empty for all), confirmed by a signed link (double opt-in).
CREATE TABLE subscribers (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    components      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT,
    confirm_sent_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE subscribers;
ALTER TABLE maintenance_windows DROP COLUMN public;
DROP TABLE incident_comms;
