-- Post-incident reviews and action items (issue 19). incident_reviews
-- holds an incident's review, action items and repeat flags
-- (fireline.Review, []ActionItem and []RepeatFlag as JSON), derived from
-- its timeline's review and action item events and written in their
-- transaction, like incident_checklists: a row of its own, so that lists
-- and intake do not carry it. action_items has one row per item, written
-- with it, for the board of open items across incidents.

-- +goose Up
CREATE TABLE incident_reviews (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    data            TEXT NOT NULL
);
CREATE TABLE action_items (
    number          BIGINT PRIMARY KEY,
    incident_number BIGINT NOT NULL REFERENCES incidents (number),
    owner           TEXT NOT NULL,
    status          TEXT NOT NULL,
    deadline        BIGINT NOT NULL,
    item            TEXT NOT NULL
);
CREATE INDEX action_items_status_deadline ON action_items (status, deadline);
CREATE INDEX action_items_incident ON action_items (incident_number);
INSERT INTO counters (name, value) VALUES ('action_item', 0);

-- +goose Down
DELETE FROM counters WHERE name = 'action_item';
DROP TABLE action_items;
DROP TABLE incident_reviews;
