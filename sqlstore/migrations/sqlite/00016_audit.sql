-- The audit log (issue 21, docs/adr/0058, docs/audit.md): every
-- authentication and administrative act, one hash-chained log written in
-- the transaction of the act. audit_head is the newest entry's number and
-- hash, which each append reads (and on PostgreSQL locks) to extend the
-- chain; the log itself is append-only, like the incident timeline.

-- +goose Up
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    via       TEXT NOT NULL,
    address   TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    data      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- INSERT OR REPLACE of an existing entry deletes it without firing
-- audit_log_no_delete (as events_no_replace explains, migration 00010).
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: replacing an entry is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_replace;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_head;
DROP TABLE audit_log;
