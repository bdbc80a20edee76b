-- Reports (issue 19 item 4; docs/reports.md, ADR 0063). A report sums
-- indexed columns, never timelines: incidents gain the first mitigation
-- step (mitigated_at) and the first act of a person (human_at), which
-- the store sets as it appends their events, and incidents_report covers
-- every column a report reads, so that it is read from the index alone.
-- Reviews gain their due and approval instants, action items their
-- creation and closing, from their JSON. alerts_first_seen lets alert
-- noise read only the range's alerts; first_seen_at grows with time, so
-- its entries append to the index's last leaf.

-- +goose Up
ALTER TABLE incidents ADD COLUMN mitigated_at BIGINT;
ALTER TABLE incidents ADD COLUMN human_at BIGINT;
UPDATE incidents SET
    mitigated_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.type = 'note' AND json_extract(e.data, '$.kind') = 'mitigation_step'),
    human_at = (SELECT MIN(e.at) FROM events e WHERE e.incident_number = incidents.number
        AND e.actor <> '' AND e.actor <> 'system' AND e.actor NOT LIKE '%:%');
CREATE INDEX incidents_report ON incidents (declared_at, severity, restricted, acknowledged_at, mitigated_at,
    resolved_at, human_at, respond_by, escalate_by, escalated_at, resolve_by, number);

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

-- +goose Down
DROP INDEX alerts_first_seen;
ALTER TABLE action_items DROP COLUMN closed_at;
ALTER TABLE action_items DROP COLUMN created_at;
ALTER TABLE incident_reviews DROP COLUMN approved_at;
ALTER TABLE incident_reviews DROP COLUMN due_at;
DROP INDEX incidents_report;
ALTER TABLE incidents DROP COLUMN human_at;
ALTER TABLE incidents DROP COLUMN mitigated_at;
