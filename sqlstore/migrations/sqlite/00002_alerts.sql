-- Alerts, the integrations that send them, the incident groups they join,
-- and maintenance windows (sqlite; the other dialect's 00002 is its twin).
-- Dedup is the unique index alerts_open_dedup: one open alert per
-- integration and dedup key, enforced by the database (docs/adr/0010).

-- +goose Up
CREATE TABLE integrations (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    type                    TEXT NOT NULL,
    service                 TEXT NOT NULL,
    source                  TEXT NOT NULL,
    key_hash                TEXT NOT NULL UNIQUE,
    previous_key_hash       TEXT,
    previous_key_expires_at BIGINT,
    signature_header        TEXT NOT NULL,
    timestamp_header        TEXT NOT NULL,
    signing_secret          TEXT NOT NULL,
    heartbeat_interval      BIGINT NOT NULL,
    last_ping_at            BIGINT,
    created_by              TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    rotated_at              BIGINT,
    deleted_at              BIGINT
);
CREATE UNIQUE INDEX integrations_live_name ON integrations (name) WHERE deleted_at IS NULL;
CREATE INDEX integrations_previous_key ON integrations (previous_key_hash);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integrations (id),
    service         TEXT NOT NULL,
    dedup_key       TEXT NOT NULL,
    status          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    source          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    labels          TEXT NOT NULL,
    annotations     TEXT NOT NULL,
    url             TEXT NOT NULL,
    details         TEXT NOT NULL,
    incident_number BIGINT REFERENCES incidents (number),
    restricted      BOOLEAN NOT NULL,
    suppressed      BOOLEAN NOT NULL,
    count           BIGINT NOT NULL,
    starts_at       BIGINT,
    first_seen_at   BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    resolved_at     BIGINT
);
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (integration_id, dedup_key) WHERE resolved_at IS NULL;
CREATE INDEX alerts_service ON alerts (service, id);
CREATE INDEX alerts_integration ON alerts (integration_id, id);
CREATE INDEX alerts_incident ON alerts (incident_number, id);

-- The incident an alert group collects, while it is open.
CREATE TABLE alert_groups (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    service         TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    open_alerts     BIGINT NOT NULL,
    last_alert_at   BIGINT NOT NULL
);
CREATE INDEX alert_groups_key ON alert_groups (service, group_key, last_alert_at);

CREATE TABLE maintenance_windows (
    id         TEXT PRIMARY KEY,
    service    TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX maintenance_windows_service ON maintenance_windows (service, ends_at);

-- +goose Down
DROP TABLE maintenance_windows;
DROP TABLE alert_groups;
DROP TABLE alerts;
DROP TABLE integrations;
