-- Issue 21 (docs/adr/0053).
--
-- Signatures of signed webhook requests, kept while they verify
-- (docs/adr/0053): a replay of a request within its window finds its
-- signature here and is refused. digest is the SHA-256 hex of the
-- integration's id and the signature's MAC (fireline.SignatureDigest);
-- expires_at (unix microseconds) is when the signed timestamp leaves the
-- window. Each signed request sweeps some rows past their expiry.

-- +goose Up
CREATE TABLE seen_signatures (
    digest     TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX seen_signatures_expires ON seen_signatures (expires_at);

-- INSERT OR REPLACE (and REPLACE) of an existing event deletes the old
-- row without firing events_no_delete (SQLite fires DELETE triggers on
-- REPLACE only with recursive_triggers on): refuse an insert whose
-- (incident, seq) exists before it gets that far.
-- +goose StatementBegin
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE incident_number = NEW.incident_number AND seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: replacing an event is not allowed');
END;
-- +goose StatementEnd

-- One row that readiness writes, only while a storage failure (disk full,
-- I/O error) stands, to learn whether writes go through again.
CREATE TABLE readiness_probe (
    id         BIGINT PRIMARY KEY,
    written_at BIGINT NOT NULL
);
INSERT INTO readiness_probe (id, written_at) VALUES (1, 0);

-- +goose Down
DROP TABLE readiness_probe;
DROP TRIGGER events_no_replace;
DROP TABLE seen_signatures;
