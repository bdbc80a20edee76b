-- Open-alert dedup on a compact key (docs/adr/0042; the other dialect's
-- 00007 is its twin). Each integration gets a small number, ref, and each
-- alert carries its integration's ref beside the integration's id; the
-- unique index of open alerts holds (dedup_key, integration_ref): about
-- half the bytes of (dedup_key, integration_id), whose id is a
-- 36-character UUID. Senders' keys are hashes (Alertmanager's
-- fingerprints), so each new alert lands on a random leaf of this index,
-- and a group commit writes every leaf it touched whole: the smaller the
-- entries, the fewer leaves a storm writes.
--
-- The foreign key on both columns holds every alert's ref to its
-- integration's (and so a ref in use can never change), so uniqueness is
-- unchanged: one open alert per (integration, dedup key). SQLite cannot
-- add a table constraint in place, so alerts is rebuilt (no table refers
-- to it); the key replaces the one on integration_id alone and costs an
-- insert the same one index seek.

-- +goose Up
ALTER TABLE integrations ADD COLUMN ref INTEGER NOT NULL DEFAULT 0;
UPDATE integrations SET ref = rowid;
CREATE UNIQUE INDEX integrations_ref ON integrations (ref);
CREATE UNIQUE INDEX integrations_id_ref ON integrations (id, ref);

CREATE TABLE alerts_with_ref (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL,
    integration_ref INTEGER NOT NULL,
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
    resolved_at     BIGINT,
    FOREIGN KEY (integration_id, integration_ref) REFERENCES integrations (id, ref)
);
INSERT INTO alerts_with_ref (id, integration_id, integration_ref, service, dedup_key, status, summary, source, severity,
    labels, annotations, url, details, incident_number, restricted, suppressed, count,
    starts_at, first_seen_at, last_seen_at, resolved_at)
SELECT a.id, a.integration_id, (SELECT i.ref FROM integrations i WHERE i.id = a.integration_id), a.service, a.dedup_key,
    a.status, a.summary, a.source, a.severity, a.labels, a.annotations, a.url, a.details, a.incident_number,
    a.restricted, a.suppressed, a.count, a.starts_at, a.first_seen_at, a.last_seen_at, a.resolved_at
FROM alerts a ORDER BY a.id;
DROP TABLE alerts;
ALTER TABLE alerts_with_ref RENAME TO alerts;
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (dedup_key, integration_ref) WHERE resolved_at IS NULL;
CREATE INDEX alerts_service ON alerts (service, id);
CREATE INDEX alerts_integration ON alerts (integration_id, id);
CREATE INDEX alerts_incident ON alerts (incident_number, id);

-- +goose Down
CREATE TABLE alerts_without_ref (
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
INSERT INTO alerts_without_ref (id, integration_id, service, dedup_key, status, summary, source, severity,
    labels, annotations, url, details, incident_number, restricted, suppressed, count,
    starts_at, first_seen_at, last_seen_at, resolved_at)
SELECT id, integration_id, service, dedup_key, status, summary, source, severity,
    labels, annotations, url, details, incident_number, restricted, suppressed, count,
    starts_at, first_seen_at, last_seen_at, resolved_at
FROM alerts ORDER BY id;
DROP TABLE alerts;
ALTER TABLE alerts_without_ref RENAME TO alerts;
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (dedup_key, integration_id) WHERE resolved_at IS NULL;
CREATE INDEX alerts_service ON alerts (service, id);
CREATE INDEX alerts_integration ON alerts (integration_id, id);
CREATE INDEX alerts_incident ON alerts (incident_number, id);
DROP INDEX integrations_id_ref;
DROP INDEX integrations_ref;
ALTER TABLE integrations DROP COLUMN ref;
