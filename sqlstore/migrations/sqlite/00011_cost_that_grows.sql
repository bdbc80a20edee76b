-- What keeps the cost of reading incidents from growing with their number
-- (docs/adr/0054; the other dialect's 00011 is its twin).
--
-- Text search: a trigram full-text index of every incident's title and
-- description, kept by triggers, so that q= finds the same substrings as
-- before (case-insensitively) without reading every incident. External
-- content: the index holds no copy of the text.
--
-- Counts: incident_counts holds the number of incidents of each severity,
-- status and restriction, kept by triggers as incidents are declared and
-- change. (incident_count_changes is PostgreSQL's: there the triggers
-- append changes, which readers add and fold in, so that concurrent
-- writers never wait on a count's row. SQLite's one writer updates the
-- counts in place; the table stays empty.)
--
-- Indexes that let a list stop at its page: open and closed incidents
-- newest first (and open ones by severity), the restricted ones (a
-- member's count of those they may see), and the open incidents past
-- each clock, and unanswered, counted against now.
--
-- The events an incident's page sums up beside its timeline (paging steps
-- and attempts, changes, unanswered walks: fireline.SummaryEventTypes),
-- read on their own however long the timeline, which the page shows a
-- part of at a time.

-- +goose Up
CREATE VIRTUAL TABLE incidents_text USING fts5(
    title, description,
    content = 'incidents', content_rowid = 'number',
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO incidents_text (incidents_text) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER incidents_text_insert AFTER INSERT ON incidents
BEGIN
    INSERT INTO incidents_text (rowid, title, description) VALUES (new.number, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_text_update AFTER UPDATE OF title, description ON incidents
WHEN old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
    INSERT INTO incidents_text (incidents_text, rowid, title, description) VALUES ('delete', old.number, old.title, old.description);
    INSERT INTO incidents_text (rowid, title, description) VALUES (new.number, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_text_delete AFTER DELETE ON incidents
BEGIN
    INSERT INTO incidents_text (incidents_text, rowid, title, description) VALUES ('delete', old.number, old.title, old.description);
END;
-- +goose StatementEnd

CREATE TABLE incident_counts (
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    restricted BOOLEAN NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (severity, status, restricted)
);
INSERT INTO incident_counts (severity, status, restricted, n)
    SELECT severity, status, restricted, COUNT(*) FROM incidents GROUP BY severity, status, restricted;

CREATE TABLE incident_count_changes (
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    restricted BOOLEAN NOT NULL,
    delta      BIGINT NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER incidents_count_insert AFTER INSERT ON incidents
BEGIN
    INSERT INTO incident_counts (severity, status, restricted, n) VALUES (new.severity, new.status, new.restricted, 1)
        ON CONFLICT (severity, status, restricted) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_count_update AFTER UPDATE OF severity, status, restricted ON incidents
WHEN old.severity IS NOT new.severity OR old.status IS NOT new.status OR old.restricted IS NOT new.restricted
BEGIN
    UPDATE incident_counts SET n = n - 1 WHERE severity = old.severity AND status = old.status AND restricted = old.restricted;
    INSERT INTO incident_counts (severity, status, restricted, n) VALUES (new.severity, new.status, new.restricted, 1)
        ON CONFLICT (severity, status, restricted) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_count_delete AFTER DELETE ON incidents
BEGIN
    UPDATE incident_counts SET n = n - 1 WHERE severity = old.severity AND status = old.status AND restricted = old.restricted;
END;
-- +goose StatementEnd

CREATE INDEX incidents_open ON incidents (number) WHERE status IN ('triggered', 'acknowledged');
CREATE INDEX incidents_open_severity ON incidents (severity, number) WHERE status IN ('triggered', 'acknowledged');
CREATE INDEX incidents_closed ON incidents (number) WHERE status IN ('resolved', 'closed');
CREATE INDEX incidents_restricted ON incidents (severity, status, number) WHERE restricted;
CREATE INDEX incidents_respond_due ON incidents (respond_by, severity, restricted, number) WHERE status = 'triggered';
CREATE INDEX incidents_escalate_due ON incidents (escalate_by, severity, status, restricted, number)
    WHERE status IN ('triggered', 'acknowledged') AND escalated_at IS NULL;
CREATE INDEX incidents_resolve_due ON incidents (resolve_by, severity, status, restricted, number)
    WHERE status IN ('triggered', 'acknowledged');
CREATE INDEX incidents_unanswered ON incidents (number, severity, restricted)
    WHERE status = 'triggered' AND unanswered_at IS NOT NULL;

CREATE INDEX events_summary ON events (incident_number, seq)
    WHERE type IN ('change_event', 'escalation_step', 'page_failed', 'page_sent', 'unanswered');

-- +goose Down
DROP INDEX events_summary;
DROP INDEX incidents_unanswered;
DROP INDEX incidents_resolve_due;
DROP INDEX incidents_escalate_due;
DROP INDEX incidents_respond_due;
DROP INDEX incidents_restricted;
DROP INDEX incidents_closed;
DROP INDEX incidents_open_severity;
DROP INDEX incidents_open;
DROP TRIGGER incidents_count_delete;
DROP TRIGGER incidents_count_update;
DROP TRIGGER incidents_count_insert;
DROP TABLE incident_count_changes;
DROP TABLE incident_counts;
DROP TRIGGER incidents_text_delete;
DROP TRIGGER incidents_text_update;
DROP TRIGGER incidents_text_insert;
DROP TABLE incidents_text;
