-- Probe integrations (docs/adr/0047; the other dialect's 00008 is its
-- twin): Fireline GETs probe_url every probe_interval (microseconds);
-- probe_failing counts the failed checks in a row, and last_probe_at and
-- last_probe_result say when the last one ran and how it went.

-- +goose Up
ALTER TABLE integrations ADD COLUMN probe_url TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN probe_interval BIGINT NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN probe_failing BIGINT NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN last_probe_at BIGINT;
ALTER TABLE integrations ADD COLUMN last_probe_result TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE integrations DROP COLUMN last_probe_result;
ALTER TABLE integrations DROP COLUMN last_probe_at;
ALTER TABLE integrations DROP COLUMN probe_failing;
ALTER TABLE integrations DROP COLUMN probe_interval;
ALTER TABLE integrations DROP COLUMN probe_url;
