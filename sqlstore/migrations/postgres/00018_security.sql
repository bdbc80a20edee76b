-- Security incidents (issue 18): an incident's evidence, regulatory clock
-- and regulators told (fireline.Security as JSON), derived from its
-- timeline's evidence_added, regulatory_clock_started, regulator_notified
-- and regulatory clock events and written in their transaction.
--
-- Evidence files are kept content-addressed in the database (ADR 0062):
-- one row per distinct SHA-256, whatever incidents preserve it, so that
-- every replica on one PostgreSQL reads the same bytes and a backup of
-- the database is a backup of the evidence. Which incidents preserve a
-- file, and who may read it, is on their timelines; rows are never
-- updated or deleted.

-- +goose Up
CREATE TABLE incident_security (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    security        TEXT NOT NULL
);
CREATE TABLE evidence_blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    content    BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE evidence_blobs;
DROP TABLE incident_security;
