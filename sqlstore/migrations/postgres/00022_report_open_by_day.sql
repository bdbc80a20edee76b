-- The open incidents a report counts live (sqlstore/report_open.go), by
-- day of declaration first: grouped by day and severity, the index order
-- is the groups' order, so no sort of every open incident; the services
-- column lets the report by service group them without a lookup per
-- incident. It replaces incidents_report_open (00019), which led with the
-- instant of declaration.

-- +goose Up
CREATE INDEX incidents_report_open_day ON incidents ((declared_at / 86400000000), severity, restricted, status, acknowledged_at,
    escalated_at, respond_by, escalate_by, resolve_by, declared_at, services, number) WHERE status IN ('triggered', 'acknowledged');
DROP INDEX incidents_report_open;

-- +goose Down
CREATE INDEX incidents_report_open ON incidents (declared_at, severity, restricted, status, acknowledged_at, escalated_at,
    respond_by, escalate_by, resolve_by, number) WHERE status IN ('triggered', 'acknowledged');
DROP INDEX incidents_report_open_day;
