-- When an incident's paging walk, its repeats done, ended with nobody
-- acknowledging (fireline.Incident.UnansweredAt, microseconds); NULL once
-- someone does or a new walk starts. The watchdog leaves such incidents
-- alone: their walk ended, it was not lost.

-- +goose Up
ALTER TABLE incidents ADD COLUMN unanswered_at BIGINT;

-- +goose Down
ALTER TABLE incidents DROP COLUMN unanswered_at;
