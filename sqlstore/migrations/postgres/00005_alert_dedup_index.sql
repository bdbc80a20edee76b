-- The open-alert dedup index leads with dedup_key (docs/adr/0035): the
-- lookups of open alerts by key then seek on it alone and name the
-- integration in a form no index matches, so that no planner (PostgreSQL's
-- generic plans, cached while the table was still small) can take the
-- per-integration history index and scan every alert of the integration.
-- Uniqueness is unchanged: one open alert per (integration, dedup key).

-- +goose Up
DROP INDEX alerts_open_dedup;
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (dedup_key, integration_id) WHERE resolved_at IS NULL;

-- +goose Down
DROP INDEX alerts_open_dedup;
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (integration_id, dedup_key) WHERE resolved_at IS NULL;
