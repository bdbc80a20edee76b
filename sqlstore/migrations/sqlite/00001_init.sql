-- Fireline's schema on SQLite. The PostgreSQL twin in ../postgres must keep
-- the same tables, columns and meanings: the store runs one query set on
-- both. Instants are BIGINT unix microseconds (UTC); JSON is TEXT, kept
-- byte for byte because event data is hashed (docs/adr/0002).

-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
    number          BIGINT PRIMARY KEY,
    title           TEXT NOT NULL,
    severity        TEXT NOT NULL,
    source          TEXT NOT NULL,
    services        TEXT NOT NULL,
    description     TEXT NOT NULL,
    restricted      BOOLEAN NOT NULL,
    stage           TEXT NOT NULL,
    status          TEXT NOT NULL,
    impact          TEXT NOT NULL,
    scope           TEXT NOT NULL,
    eta             BIGINT,
    roles           TEXT NOT NULL,
    members         TEXT NOT NULL,
    declared_by     TEXT NOT NULL,
    declared_at     BIGINT NOT NULL,
    severity_set_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    escalated_at    BIGINT,
    resolved_at     BIGINT,
    closed_at       BIGINT,
    updated_at      BIGINT NOT NULL,
    respond_by      BIGINT NOT NULL,
    escalate_by     BIGINT,
    resolve_by      BIGINT NOT NULL,
    policy_version  TEXT NOT NULL,
    event_count     BIGINT NOT NULL,
    head_hash       TEXT NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, number);
CREATE INDEX incidents_severity ON incidents (severity, number);
CREATE INDEX incidents_declared_at ON incidents (declared_at);

CREATE TABLE incident_members (
    incident_number BIGINT NOT NULL REFERENCES incidents (number),
    person_id       TEXT NOT NULL,
    PRIMARY KEY (incident_number, person_id)
);
CREATE INDEX incident_members_person ON incident_members (person_id, incident_number);

CREATE TABLE incident_services (
    incident_number BIGINT NOT NULL REFERENCES incidents (number),
    service_id      TEXT NOT NULL,
    PRIMARY KEY (incident_number, service_id)
);
CREATE INDEX incident_services_service ON incident_services (service_id, incident_number);

CREATE TABLE events (
    incident_number BIGINT NOT NULL REFERENCES incidents (number),
    seq             BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    type            TEXT NOT NULL,
    data            TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (incident_number, seq)
);

-- +goose StatementBegin
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    automation   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX tokens_created_at ON tokens (created_at);
CREATE INDEX tokens_role ON tokens (role);

-- +goose Down
DROP TABLE tokens;
DROP TRIGGER events_no_delete;
DROP TRIGGER events_no_update;
DROP TABLE events;
DROP TABLE incident_services;
DROP TABLE incident_members;
DROP TABLE incidents;
DROP TABLE counters;
