-- Issue 21 (docs/adr/0053). PostgreSQL needs no trigger against
-- overwriting events: an upsert fires events_no_update_delete.
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

-- One row that readiness writes, only while a storage failure (disk full,
-- I/O error) stands, to learn whether writes go through again.
CREATE TABLE readiness_probe (
    id         BIGINT PRIMARY KEY,
    written_at BIGINT NOT NULL
);
INSERT INTO readiness_probe (id, written_at) VALUES (1, 0);

-- +goose Down
DROP TABLE readiness_probe;
DROP TABLE seen_signatures;
