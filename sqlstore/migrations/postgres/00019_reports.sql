-- Reports, the twin of the SQLite 00019 (issue 19 item 4; docs/reports.md, ADR 0063). A report reads
-- kept sums, never every incident: report_days holds, per day of
-- declaration (UTC), severity, restriction and service ('' for every
-- incident once), the counts and summed durations a report folds, kept by
-- the triggers at the end as incidents, reviews and action items change
-- (on PostgreSQL they append to report_day_changes, which reads add and
-- the statistics job folds in). What depends on now is counted live from
-- small partial indexes: open incidents past a clock
-- (incidents_report_open), reviews unapproved past due
-- (incident_reviews_unapproved). Incidents gain the first mitigation step
-- (mitigated_at) and the first act of a person (human_at), set as their
-- events are appended; reviews their due and approval instants, action
-- items their creation and closing. alerts_first_seen lets alert noise
-- read only the range's alerts; first_seen_at grows with time, so its
-- entries append to the index's last leaf.

-- +goose Up
ALTER TABLE incidents ADD COLUMN mitigated_at BIGINT;
ALTER TABLE incidents ADD COLUMN human_at BIGINT;
UPDATE incidents SET
    mitigated_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.type = 'note' AND e.data::jsonb->>'kind' = 'mitigation_step'),
    human_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.actor <> '' AND e.actor <> 'system' AND e.actor NOT LIKE '%:%');
CREATE INDEX incidents_report_open ON incidents (declared_at, severity, restricted, status, acknowledged_at, escalated_at,
    respond_by, escalate_by, resolve_by, number) WHERE status IN ('triggered', 'acknowledged');

ALTER TABLE incident_reviews ADD COLUMN due_at BIGINT;
ALTER TABLE incident_reviews ADD COLUMN approved_at BIGINT;
UPDATE incident_reviews SET
    due_at = (EXTRACT(EPOCH FROM (data::jsonb->'review'->>'due')::timestamptz) * 1000000)::BIGINT,
    approved_at = (EXTRACT(EPOCH FROM (data::jsonb->'review'->>'approved_at')::timestamptz) * 1000000)::BIGINT;

ALTER TABLE action_items ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE action_items ADD COLUMN closed_at BIGINT;
UPDATE action_items SET
    created_at = (EXTRACT(EPOCH FROM (item::jsonb->>'created_at')::timestamptz) * 1000000)::BIGINT,
    closed_at = (EXTRACT(EPOCH FROM (item::jsonb->>'closed_at')::timestamptz) * 1000000)::BIGINT;

CREATE INDEX alerts_first_seen ON alerts (first_seen_at);
CREATE INDEX incident_reviews_unapproved ON incident_reviews (due_at, incident_number) WHERE approved_at IS NULL;

-- Kept sums: report_days, by day of declaration (UTC), severity,
-- restriction and service ('' for every incident once), written by the
-- triggers below as incidents, reviews and action items change.
CREATE TABLE report_days (
    day              BIGINT NOT NULL,
    severity         TEXT NOT NULL,
    restricted       BOOLEAN NOT NULL,
    service          TEXT NOT NULL,
    incidents        BIGINT NOT NULL DEFAULT 0,
    acked            BIGINT NOT NULL DEFAULT 0,
    ack_sum          BIGINT NOT NULL DEFAULT 0,
    mitigated        BIGINT NOT NULL DEFAULT 0,
    mitigate_sum     BIGINT NOT NULL DEFAULT 0,
    resolved         BIGINT NOT NULL DEFAULT 0,
    resolve_sum      BIGINT NOT NULL DEFAULT 0,
    auto_resolved    BIGINT NOT NULL DEFAULT 0,
    respond_met      BIGINT NOT NULL DEFAULT 0,
    respond_missed   BIGINT NOT NULL DEFAULT 0,
    escalate_met     BIGINT NOT NULL DEFAULT 0,
    escalate_missed  BIGINT NOT NULL DEFAULT 0,
    resolve_met      BIGINT NOT NULL DEFAULT 0,
    resolve_missed   BIGINT NOT NULL DEFAULT 0,
    reviews_due      BIGINT NOT NULL DEFAULT 0,
    reviews_on_time  BIGINT NOT NULL DEFAULT 0,
    reviews_late     BIGINT NOT NULL DEFAULT 0,
    items            BIGINT NOT NULL DEFAULT 0,
    items_done       BIGINT NOT NULL DEFAULT 0,
    items_done_age   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, severity, restricted, service)
);
CREATE TABLE report_day_changes (
    day              BIGINT NOT NULL,
    severity         TEXT NOT NULL,
    restricted       BOOLEAN NOT NULL,
    service          TEXT NOT NULL,
    incidents        BIGINT NOT NULL DEFAULT 0,
    acked            BIGINT NOT NULL DEFAULT 0,
    ack_sum          BIGINT NOT NULL DEFAULT 0,
    mitigated        BIGINT NOT NULL DEFAULT 0,
    mitigate_sum     BIGINT NOT NULL DEFAULT 0,
    resolved         BIGINT NOT NULL DEFAULT 0,
    resolve_sum      BIGINT NOT NULL DEFAULT 0,
    auto_resolved    BIGINT NOT NULL DEFAULT 0,
    respond_met      BIGINT NOT NULL DEFAULT 0,
    respond_missed   BIGINT NOT NULL DEFAULT 0,
    escalate_met     BIGINT NOT NULL DEFAULT 0,
    escalate_missed  BIGINT NOT NULL DEFAULT 0,
    resolve_met      BIGINT NOT NULL DEFAULT 0,
    resolve_missed   BIGINT NOT NULL DEFAULT 0,
    reviews_due      BIGINT NOT NULL DEFAULT 0,
    reviews_on_time  BIGINT NOT NULL DEFAULT 0,
    reviews_late     BIGINT NOT NULL DEFAULT 0,
    items            BIGINT NOT NULL DEFAULT 0,
    items_done       BIGINT NOT NULL DEFAULT 0,
    items_done_age   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT x.declared_at / 86400000000, x.severity, x.restricted, '',
        1,
        CASE WHEN x.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.acknowledged_at - x.declared_at, 0),
        CASE WHEN x.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.mitigated_at - x.declared_at, 0),
        CASE WHEN x.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.resolved_at - x.declared_at, 0),
        CASE WHEN x.resolved_at IS NOT NULL AND x.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.acknowledged_at, x.resolved_at) <= x.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.acknowledged_at, x.resolved_at) > x.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.escalated_at, x.resolved_at) <= x.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.escalated_at, x.resolved_at) > x.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN x.resolved_at <= x.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN x.resolved_at > x.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM incidents x;
INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT x.declared_at / 86400000000, x.severity, x.restricted, j.value,
        1,
        CASE WHEN x.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.acknowledged_at - x.declared_at, 0),
        CASE WHEN x.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.mitigated_at - x.declared_at, 0),
        CASE WHEN x.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(x.resolved_at - x.declared_at, 0),
        CASE WHEN x.resolved_at IS NOT NULL AND x.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.acknowledged_at, x.resolved_at) <= x.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.acknowledged_at, x.resolved_at) > x.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.escalated_at, x.resolved_at) <= x.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(x.escalated_at, x.resolved_at) > x.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN x.resolved_at <= x.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN x.resolved_at > x.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM incidents x, jsonb_array_elements_text(x.services::jsonb) AS j(value);
INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        CASE WHEN x.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at <= x.due_at THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at > x.due_at THEN 1 ELSE 0 END
    FROM incident_reviews x, incidents i WHERE i.number = x.incident_number;
INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        CASE WHEN x.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at <= x.due_at THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at > x.due_at THEN 1 ELSE 0 END
    FROM incident_reviews x, incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = x.incident_number;
INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        1,
        CASE WHEN x.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN x.status = 'done' THEN 1 * (x.closed_at - x.created_at) ELSE 0 END
    FROM action_items x, incidents i WHERE i.number = x.incident_number;
INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        1,
        CASE WHEN x.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN x.status = 'done' THEN 1 * (x.closed_at - x.created_at) ELSE 0 END
    FROM action_items x, incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = x.incident_number;
-- +goose StatementBegin
CREATE FUNCTION incidents_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
            SELECT OLD.declared_at / 86400000000, OLD.severity, OLD.restricted, '',
                -1,
                CASE WHEN OLD.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.acknowledged_at - OLD.declared_at, 0),
                CASE WHEN OLD.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.mitigated_at - OLD.declared_at, 0),
                CASE WHEN OLD.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.resolved_at - OLD.declared_at, 0),
                CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.human_at IS NULL THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.acknowledged_at, OLD.resolved_at) <= OLD.respond_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.acknowledged_at, OLD.resolved_at) > OLD.respond_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.escalated_at, OLD.resolved_at) <= OLD.escalate_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.escalated_at, OLD.resolved_at) > OLD.escalate_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN OLD.resolved_at <= OLD.resolve_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN OLD.resolved_at > OLD.resolve_by + 1000000 THEN -1 ELSE 0 END
            FROM (SELECT 1 AS one) o;
        INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
            SELECT OLD.declared_at / 86400000000, OLD.severity, OLD.restricted, j.value,
                -1,
                CASE WHEN OLD.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.acknowledged_at - OLD.declared_at, 0),
                CASE WHEN OLD.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.mitigated_at - OLD.declared_at, 0),
                CASE WHEN OLD.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
                -1 * COALESCE(OLD.resolved_at - OLD.declared_at, 0),
                CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.human_at IS NULL THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.acknowledged_at, OLD.resolved_at) <= OLD.respond_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.acknowledged_at, OLD.resolved_at) > OLD.respond_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.escalated_at, OLD.resolved_at) <= OLD.escalate_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN COALESCE(OLD.escalated_at, OLD.resolved_at) > OLD.escalate_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN OLD.resolved_at <= OLD.resolve_by + 1000000 THEN -1 ELSE 0 END,
                CASE WHEN OLD.resolved_at > OLD.resolve_by + 1000000 THEN -1 ELSE 0 END
            FROM jsonb_array_elements_text(OLD.services::jsonb) AS j(value);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
            SELECT NEW.declared_at / 86400000000, NEW.severity, NEW.restricted, '',
                1,
                CASE WHEN NEW.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.acknowledged_at - NEW.declared_at, 0),
                CASE WHEN NEW.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.mitigated_at - NEW.declared_at, 0),
                CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.resolved_at - NEW.declared_at, 0),
                CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.human_at IS NULL THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.acknowledged_at, NEW.resolved_at) <= NEW.respond_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.acknowledged_at, NEW.resolved_at) > NEW.respond_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.escalated_at, NEW.resolved_at) <= NEW.escalate_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.escalated_at, NEW.resolved_at) > NEW.escalate_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN NEW.resolved_at <= NEW.resolve_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN NEW.resolved_at > NEW.resolve_by + 1000000 THEN 1 ELSE 0 END
            FROM (SELECT 1 AS one) o;
        INSERT INTO report_day_changes (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
            SELECT NEW.declared_at / 86400000000, NEW.severity, NEW.restricted, j.value,
                1,
                CASE WHEN NEW.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.acknowledged_at - NEW.declared_at, 0),
                CASE WHEN NEW.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.mitigated_at - NEW.declared_at, 0),
                CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
                1 * COALESCE(NEW.resolved_at - NEW.declared_at, 0),
                CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.human_at IS NULL THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.acknowledged_at, NEW.resolved_at) <= NEW.respond_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.acknowledged_at, NEW.resolved_at) > NEW.respond_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.escalated_at, NEW.resolved_at) <= NEW.escalate_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(NEW.escalated_at, NEW.resolved_at) > NEW.escalate_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN NEW.resolved_at <= NEW.resolve_by + 1000000 THEN 1 ELSE 0 END,
                CASE WHEN NEW.resolved_at > NEW.resolve_by + 1000000 THEN 1 ELSE 0 END
            FROM jsonb_array_elements_text(NEW.services::jsonb) AS j(value);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION incident_reviews_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
                CASE WHEN OLD.due_at IS NOT NULL THEN -1 ELSE 0 END,
                CASE WHEN OLD.approved_at <= OLD.due_at THEN -1 ELSE 0 END,
                CASE WHEN OLD.approved_at > OLD.due_at THEN -1 ELSE 0 END
            FROM incidents i WHERE i.number = OLD.incident_number;
        INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
                CASE WHEN OLD.due_at IS NOT NULL THEN -1 ELSE 0 END,
                CASE WHEN OLD.approved_at <= OLD.due_at THEN -1 ELSE 0 END,
                CASE WHEN OLD.approved_at > OLD.due_at THEN -1 ELSE 0 END
            FROM incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = OLD.incident_number;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
                CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END,
                CASE WHEN NEW.approved_at <= NEW.due_at THEN 1 ELSE 0 END,
                CASE WHEN NEW.approved_at > NEW.due_at THEN 1 ELSE 0 END
            FROM incidents i WHERE i.number = NEW.incident_number;
        INSERT INTO report_day_changes (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
                CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END,
                CASE WHEN NEW.approved_at <= NEW.due_at THEN 1 ELSE 0 END,
                CASE WHEN NEW.approved_at > NEW.due_at THEN 1 ELSE 0 END
            FROM incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = NEW.incident_number;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION action_items_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
                -1,
                CASE WHEN OLD.status = 'done' THEN -1 ELSE 0 END,
                CASE WHEN OLD.status = 'done' THEN -1 * (OLD.closed_at - OLD.created_at) ELSE 0 END
            FROM incidents i WHERE i.number = OLD.incident_number;
        INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
                -1,
                CASE WHEN OLD.status = 'done' THEN -1 ELSE 0 END,
                CASE WHEN OLD.status = 'done' THEN -1 * (OLD.closed_at - OLD.created_at) ELSE 0 END
            FROM incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = OLD.incident_number;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
                1,
                CASE WHEN NEW.status = 'done' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'done' THEN 1 * (NEW.closed_at - NEW.created_at) ELSE 0 END
            FROM incidents i WHERE i.number = NEW.incident_number;
        INSERT INTO report_day_changes (day, severity, restricted, service, items, items_done, items_done_age)
            SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
                1,
                CASE WHEN NEW.status = 'done' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'done' THEN 1 * (NEW.closed_at - NEW.created_at) ELSE 0 END
            FROM incidents i, jsonb_array_elements_text(i.services::jsonb) AS j(value) WHERE i.number = NEW.incident_number;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER incidents_report_insert_delete AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_report();
CREATE TRIGGER incidents_report_update AFTER UPDATE OF severity, restricted, declared_at, services, acknowledged_at, mitigated_at, resolved_at, human_at, escalated_at, respond_by, escalate_by, resolve_by ON incidents
    FOR EACH ROW WHEN (OLD.severity IS DISTINCT FROM NEW.severity OR OLD.restricted IS DISTINCT FROM NEW.restricted OR OLD.declared_at IS DISTINCT FROM NEW.declared_at OR OLD.services IS DISTINCT FROM NEW.services OR OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at OR OLD.mitigated_at IS DISTINCT FROM NEW.mitigated_at OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.human_at IS DISTINCT FROM NEW.human_at OR OLD.escalated_at IS DISTINCT FROM NEW.escalated_at OR OLD.respond_by IS DISTINCT FROM NEW.respond_by OR OLD.escalate_by IS DISTINCT FROM NEW.escalate_by OR OLD.resolve_by IS DISTINCT FROM NEW.resolve_by)
    EXECUTE FUNCTION incidents_report();
CREATE TRIGGER incident_reviews_report_insert_delete AFTER INSERT OR DELETE ON incident_reviews
    FOR EACH ROW EXECUTE FUNCTION incident_reviews_report();
CREATE TRIGGER incident_reviews_report_update AFTER UPDATE OF due_at, approved_at ON incident_reviews
    FOR EACH ROW WHEN (OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.approved_at IS DISTINCT FROM NEW.approved_at)
    EXECUTE FUNCTION incident_reviews_report();
CREATE TRIGGER action_items_report_insert_delete AFTER INSERT OR DELETE ON action_items
    FOR EACH ROW EXECUTE FUNCTION action_items_report();
CREATE TRIGGER action_items_report_update AFTER UPDATE OF status, closed_at ON action_items
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
    EXECUTE FUNCTION action_items_report();

-- The guide's own reviews (issue 19 item 5): each one recorded, with the
-- date the next is due.
CREATE TABLE guide_reviews (
    number         BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    by_actor       TEXT NOT NULL,
    note           TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    next_due       TEXT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('guide_review', 0);

-- +goose Down
DELETE FROM counters WHERE name = 'guide_review';
DROP TABLE guide_reviews;
DROP TRIGGER action_items_report_update ON action_items;
DROP TRIGGER action_items_report_insert_delete ON action_items;
DROP TRIGGER incident_reviews_report_update ON incident_reviews;
DROP TRIGGER incident_reviews_report_insert_delete ON incident_reviews;
DROP TRIGGER incidents_report_update ON incidents;
DROP TRIGGER incidents_report_insert_delete ON incidents;
DROP FUNCTION action_items_report();
DROP FUNCTION incident_reviews_report();
DROP FUNCTION incidents_report();
DROP TABLE report_day_changes;
DROP TABLE report_days;
DROP INDEX incident_reviews_unapproved;
DROP INDEX alerts_first_seen;
ALTER TABLE action_items DROP COLUMN closed_at;
ALTER TABLE action_items DROP COLUMN created_at;
ALTER TABLE incident_reviews DROP COLUMN approved_at;
ALTER TABLE incident_reviews DROP COLUMN due_at;
DROP INDEX incidents_report_open;
ALTER TABLE incidents DROP COLUMN human_at;
ALTER TABLE incidents DROP COLUMN mitigated_at;
