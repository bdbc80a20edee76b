-- What keeps the cost of reading incidents from growing with their number
-- (docs/adr/0054; the other dialect's 00011 is its twin).
--
-- Text search: trigram indexes (pg_trgm) of every incident's lowered title
-- and description, which the search's LOWER(...) LIKE '%text%' uses, so
-- that q= finds the same substrings as before without reading every
-- incident. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension: a role that may create in the database may install it. Where
-- it is installed already, in any schema, that one is used; where it cannot
-- be installed, the migration warns and search keeps scanning.
--
-- Counts: incident_counts holds the number of incidents of each severity,
-- status and restriction as of its last fold; triggers append every
-- change to incident_count_changes, which readers add, and fold into
-- incident_counts once many have gathered (sqlstore/counts.go). Appending
-- makes no writer wait on a count's row, as updating it in place would
-- (a lock held to the commit, deadlocks between group commits). SQLite's
-- one writer updates the counts in place.
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
-- +goose StatementBegin
DO $$
DECLARE
    trgm TEXT;
BEGIN
    -- Installed in public when it may be, so that it outlives any one
    -- schema (dropping the schema an extension is in drops it and every
    -- index that uses it, in any schema); else in Fireline's own schema.
    FOR attempt IN 1..3 LOOP
        SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
        EXIT WHEN trgm IS NOT NULL OR attempt = 3;
        BEGIN
            IF attempt = 1 AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
                CREATE EXTENSION pg_trgm SCHEMA public;
            ELSE
                CREATE EXTENSION pg_trgm;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'fireline: installing pg_trgm: %', SQLERRM;
        END;
    END LOOP;
    IF trgm IS NULL THEN
        RAISE WARNING 'fireline: pg_trgm could not be installed; text search reads every incident until its two indexes exist (docs/adr/0054)';
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX incidents_title_trgm ON incidents USING gin (lower(title) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX incidents_description_trgm ON incidents USING gin (lower(description) %I.gin_trgm_ops)', trgm);
END
$$;
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
CREATE FUNCTION incidents_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO incident_count_changes (severity, status, restricted, delta) VALUES (OLD.severity, OLD.status, OLD.restricted, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO incident_count_changes (severity, status, restricted, delta) VALUES (NEW.severity, NEW.status, NEW.restricted, 1);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER incidents_count_insert_delete AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_count();
CREATE TRIGGER incidents_count_update AFTER UPDATE OF severity, status, restricted ON incidents
    FOR EACH ROW WHEN (OLD.severity IS DISTINCT FROM NEW.severity OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.restricted IS DISTINCT FROM NEW.restricted)
    EXECUTE FUNCTION incidents_count();

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
DROP TRIGGER incidents_count_update ON incidents;
DROP TRIGGER incidents_count_insert_delete ON incidents;
DROP FUNCTION incidents_count();
DROP TABLE incident_count_changes;
DROP TABLE incident_counts;
DROP INDEX IF EXISTS incidents_description_trgm;
DROP INDEX IF EXISTS incidents_title_trgm;
