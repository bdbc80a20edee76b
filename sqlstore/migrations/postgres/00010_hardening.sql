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

-- +goose Down
DROP TABLE seen_signatures;
