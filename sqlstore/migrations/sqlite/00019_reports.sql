-- Reports (issue 19 item 4; docs/reports.md, ADR 0063). A report reads
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
        AND e.type = 'note' AND json_extract(e.data, '$.kind') = 'mitigation_step'),
    human_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.actor <> '' AND e.actor <> 'system' AND e.actor NOT LIKE '%:%');
CREATE INDEX incidents_report_open ON incidents (declared_at, severity, restricted, status, acknowledged_at, escalated_at,
    respond_by, escalate_by, resolve_by, number) WHERE status IN ('triggered', 'acknowledged');

ALTER TABLE incident_reviews ADD COLUMN due_at BIGINT;
ALTER TABLE incident_reviews ADD COLUMN approved_at BIGINT;
UPDATE incident_reviews SET
    due_at = CAST(unixepoch(json_extract(data, '$.review.due'), 'subsec') * 1000000 AS INTEGER),
    approved_at = CAST(unixepoch(json_extract(data, '$.review.approved_at'), 'subsec') * 1000000 AS INTEGER);

ALTER TABLE action_items ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE action_items ADD COLUMN closed_at BIGINT;
UPDATE action_items SET
    created_at = CAST(unixepoch(json_extract(item, '$.created_at'), 'subsec') * 1000000 AS INTEGER),
    closed_at = CAST(unixepoch(json_extract(item, '$.closed_at'), 'subsec') * 1000000 AS INTEGER);

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
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
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
    FROM incidents x WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
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
    FROM incidents x, json_each(x.services) j WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        CASE WHEN x.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at <= x.due_at THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at > x.due_at THEN 1 ELSE 0 END
    FROM incident_reviews x, incidents i WHERE i.number = x.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        CASE WHEN x.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at <= x.due_at THEN 1 ELSE 0 END,
        CASE WHEN x.approved_at > x.due_at THEN 1 ELSE 0 END
    FROM incident_reviews x, incidents i, json_each(i.services) j WHERE i.number = x.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        1,
        CASE WHEN x.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN x.status = 'done' THEN 1 * (x.closed_at - x.created_at) ELSE 0 END
    FROM action_items x, incidents i WHERE i.number = x.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        1,
        CASE WHEN x.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN x.status = 'done' THEN 1 * (x.closed_at - x.created_at) ELSE 0 END
    FROM action_items x, incidents i, json_each(i.services) j WHERE i.number = x.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
-- +goose StatementBegin
CREATE TRIGGER incidents_report_insert AFTER INSERT ON incidents
BEGIN
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT new.declared_at / 86400000000, new.severity, new.restricted, '',
        1,
        CASE WHEN new.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.acknowledged_at - new.declared_at, 0),
        CASE WHEN new.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.mitigated_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.resolved_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL AND new.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) <= new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) > new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) <= new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) > new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at <= new.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at > new.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM (SELECT 1 AS one) o WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT new.declared_at / 86400000000, new.severity, new.restricted, j.value,
        1,
        CASE WHEN new.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.acknowledged_at - new.declared_at, 0),
        CASE WHEN new.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.mitigated_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.resolved_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL AND new.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) <= new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) > new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) <= new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) > new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at <= new.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at > new.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM json_each(new.services) j WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incidents_report_update AFTER UPDATE OF severity, restricted, declared_at, services, acknowledged_at, mitigated_at, resolved_at, human_at, escalated_at, respond_by, escalate_by, resolve_by ON incidents
    WHEN old.severity IS NOT new.severity OR old.restricted IS NOT new.restricted OR old.declared_at IS NOT new.declared_at OR old.services IS NOT new.services OR old.acknowledged_at IS NOT new.acknowledged_at OR old.mitigated_at IS NOT new.mitigated_at OR old.resolved_at IS NOT new.resolved_at OR old.human_at IS NOT new.human_at OR old.escalated_at IS NOT new.escalated_at OR old.respond_by IS NOT new.respond_by OR old.escalate_by IS NOT new.escalate_by OR old.resolve_by IS NOT new.resolve_by
BEGIN
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT old.declared_at / 86400000000, old.severity, old.restricted, '',
        -1,
        CASE WHEN old.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.acknowledged_at - old.declared_at, 0),
        CASE WHEN old.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.mitigated_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.resolved_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL AND old.human_at IS NULL THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) <= old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) > old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) <= old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) > old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at <= old.resolve_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at > old.resolve_by + 1000000 THEN -1 ELSE 0 END
    FROM (SELECT 1 AS one) o WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT old.declared_at / 86400000000, old.severity, old.restricted, j.value,
        -1,
        CASE WHEN old.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.acknowledged_at - old.declared_at, 0),
        CASE WHEN old.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.mitigated_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.resolved_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL AND old.human_at IS NULL THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) <= old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) > old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) <= old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) > old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at <= old.resolve_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at > old.resolve_by + 1000000 THEN -1 ELSE 0 END
    FROM json_each(old.services) j WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT new.declared_at / 86400000000, new.severity, new.restricted, '',
        1,
        CASE WHEN new.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.acknowledged_at - new.declared_at, 0),
        CASE WHEN new.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.mitigated_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.resolved_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL AND new.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) <= new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) > new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) <= new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) > new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at <= new.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at > new.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM (SELECT 1 AS one) o WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT new.declared_at / 86400000000, new.severity, new.restricted, j.value,
        1,
        CASE WHEN new.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.acknowledged_at - new.declared_at, 0),
        CASE WHEN new.mitigated_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.mitigated_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL THEN 1 ELSE 0 END,
        1 * COALESCE(new.resolved_at - new.declared_at, 0),
        CASE WHEN new.resolved_at IS NOT NULL AND new.human_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) <= new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.acknowledged_at, new.resolved_at) > new.respond_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) <= new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(new.escalated_at, new.resolved_at) > new.escalate_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at <= new.resolve_by + 1000000 THEN 1 ELSE 0 END,
        CASE WHEN new.resolved_at > new.resolve_by + 1000000 THEN 1 ELSE 0 END
    FROM json_each(new.services) j WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incidents_report_delete AFTER DELETE ON incidents
BEGIN
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT old.declared_at / 86400000000, old.severity, old.restricted, '',
        -1,
        CASE WHEN old.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.acknowledged_at - old.declared_at, 0),
        CASE WHEN old.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.mitigated_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.resolved_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL AND old.human_at IS NULL THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) <= old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) > old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) <= old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) > old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at <= old.resolve_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at > old.resolve_by + 1000000 THEN -1 ELSE 0 END
    FROM (SELECT 1 AS one) o WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
INSERT INTO report_days (day, severity, restricted, service, incidents, acked, ack_sum, mitigated, mitigate_sum, resolved, resolve_sum, auto_resolved, respond_met, respond_missed, escalate_met, escalate_missed, resolve_met, resolve_missed)
    SELECT old.declared_at / 86400000000, old.severity, old.restricted, j.value,
        -1,
        CASE WHEN old.acknowledged_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.acknowledged_at - old.declared_at, 0),
        CASE WHEN old.mitigated_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.mitigated_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL THEN -1 ELSE 0 END,
        -1 * COALESCE(old.resolved_at - old.declared_at, 0),
        CASE WHEN old.resolved_at IS NOT NULL AND old.human_at IS NULL THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) <= old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.acknowledged_at, old.resolved_at) > old.respond_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) <= old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN COALESCE(old.escalated_at, old.resolved_at) > old.escalate_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at <= old.resolve_by + 1000000 THEN -1 ELSE 0 END,
        CASE WHEN old.resolved_at > old.resolve_by + 1000000 THEN -1 ELSE 0 END
    FROM json_each(old.services) j WHERE true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET incidents = report_days.incidents + excluded.incidents, acked = report_days.acked + excluded.acked, ack_sum = report_days.ack_sum + excluded.ack_sum, mitigated = report_days.mitigated + excluded.mitigated, mitigate_sum = report_days.mitigate_sum + excluded.mitigate_sum, resolved = report_days.resolved + excluded.resolved, resolve_sum = report_days.resolve_sum + excluded.resolve_sum, auto_resolved = report_days.auto_resolved + excluded.auto_resolved, respond_met = report_days.respond_met + excluded.respond_met, respond_missed = report_days.respond_missed + excluded.respond_missed, escalate_met = report_days.escalate_met + excluded.escalate_met, escalate_missed = report_days.escalate_missed + excluded.escalate_missed, resolve_met = report_days.resolve_met + excluded.resolve_met, resolve_missed = report_days.resolve_missed + excluded.resolve_missed;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incident_reviews_report_insert AFTER INSERT ON incident_reviews
BEGIN
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        CASE WHEN new.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at <= new.due_at THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at > new.due_at THEN 1 ELSE 0 END
    FROM incidents i WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        CASE WHEN new.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at <= new.due_at THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at > new.due_at THEN 1 ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incident_reviews_report_update AFTER UPDATE OF due_at, approved_at ON incident_reviews
    WHEN old.due_at IS NOT new.due_at OR old.approved_at IS NOT new.approved_at
BEGIN
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        CASE WHEN old.due_at IS NOT NULL THEN -1 ELSE 0 END,
        CASE WHEN old.approved_at <= old.due_at THEN -1 ELSE 0 END,
        CASE WHEN old.approved_at > old.due_at THEN -1 ELSE 0 END
    FROM incidents i WHERE i.number = old.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        CASE WHEN old.due_at IS NOT NULL THEN -1 ELSE 0 END,
        CASE WHEN old.approved_at <= old.due_at THEN -1 ELSE 0 END,
        CASE WHEN old.approved_at > old.due_at THEN -1 ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = old.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        CASE WHEN new.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at <= new.due_at THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at > new.due_at THEN 1 ELSE 0 END
    FROM incidents i WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
INSERT INTO report_days (day, severity, restricted, service, reviews_due, reviews_on_time, reviews_late)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        CASE WHEN new.due_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at <= new.due_at THEN 1 ELSE 0 END,
        CASE WHEN new.approved_at > new.due_at THEN 1 ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET reviews_due = report_days.reviews_due + excluded.reviews_due, reviews_on_time = report_days.reviews_on_time + excluded.reviews_on_time, reviews_late = report_days.reviews_late + excluded.reviews_late;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER action_items_report_insert AFTER INSERT ON action_items
BEGIN
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        1,
        CASE WHEN new.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN new.status = 'done' THEN 1 * (new.closed_at - new.created_at) ELSE 0 END
    FROM incidents i WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        1,
        CASE WHEN new.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN new.status = 'done' THEN 1 * (new.closed_at - new.created_at) ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER action_items_report_update AFTER UPDATE OF status, closed_at ON action_items
    WHEN old.status IS NOT new.status OR old.closed_at IS NOT new.closed_at
BEGIN
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        -1,
        CASE WHEN old.status = 'done' THEN -1 ELSE 0 END,
        CASE WHEN old.status = 'done' THEN -1 * (old.closed_at - old.created_at) ELSE 0 END
    FROM incidents i WHERE i.number = old.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        -1,
        CASE WHEN old.status = 'done' THEN -1 ELSE 0 END,
        CASE WHEN old.status = 'done' THEN -1 * (old.closed_at - old.created_at) ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = old.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, '',
        1,
        CASE WHEN new.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN new.status = 'done' THEN 1 * (new.closed_at - new.created_at) ELSE 0 END
    FROM incidents i WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
INSERT INTO report_days (day, severity, restricted, service, items, items_done, items_done_age)
    SELECT i.declared_at / 86400000000, i.severity, i.restricted, j.value,
        1,
        CASE WHEN new.status = 'done' THEN 1 ELSE 0 END,
        CASE WHEN new.status = 'done' THEN 1 * (new.closed_at - new.created_at) ELSE 0 END
    FROM incidents i, json_each(i.services) j WHERE i.number = new.incident_number AND true
    ON CONFLICT (day, severity, restricted, service) DO UPDATE SET items = report_days.items + excluded.items, items_done = report_days.items_done + excluded.items_done, items_done_age = report_days.items_done_age + excluded.items_done_age;
END;
-- +goose StatementEnd

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
DROP TRIGGER action_items_report_update;
DROP TRIGGER action_items_report_insert;
DROP TRIGGER incident_reviews_report_update;
DROP TRIGGER incident_reviews_report_insert;
DROP TRIGGER incidents_report_delete;
DROP TRIGGER incidents_report_update;
DROP TRIGGER incidents_report_insert;
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
