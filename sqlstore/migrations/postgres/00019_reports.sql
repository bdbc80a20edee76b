-- Reports (issue 19 item 4; docs/reports.md, ADR 0063). The twin of the
-- SQLite migration 00019: incidents gain mitigated_at and human_at, set
-- as their events are appended, and an index covering what a report
-- reads; reviews their due and approval instants, action items their
-- creation and closing; alerts an index on first_seen_at.

-- +goose Up
ALTER TABLE incidents ADD COLUMN mitigated_at BIGINT;
ALTER TABLE incidents ADD COLUMN human_at BIGINT;
UPDATE incidents SET
    mitigated_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.type = 'note' AND e.data::jsonb->>'kind' = 'mitigation_step'),
    human_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.actor <> '' AND e.actor <> 'system' AND e.actor NOT LIKE '%:%');
CREATE INDEX incidents_report ON incidents (declared_at, severity, restricted, acknowledged_at, mitigated_at,
    resolved_at, human_at, respond_by, escalate_by, escalated_at, resolve_by, number);

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

-- +goose Down
DROP INDEX alerts_first_seen;
ALTER TABLE action_items DROP COLUMN closed_at;
ALTER TABLE action_items DROP COLUMN created_at;
ALTER TABLE incident_reviews DROP COLUMN approved_at;
ALTER TABLE incident_reviews DROP COLUMN due_at;
DROP INDEX incidents_report;
ALTER TABLE incidents DROP COLUMN human_at;
ALTER TABLE incidents DROP COLUMN mitigated_at;
