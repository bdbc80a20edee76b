-- Slack (issue 16): an incident's Slack channel and how far the engine's
-- Slack job has brought it up to date (fireline.SlackChannel as JSON).
-- channel_id finds the incident of a channel when Slack calls in (a
-- slash command, a pin, a reaction); empty while the channel is being
-- created.

-- +goose Up
CREATE TABLE incident_slack (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    channel_id      TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL
);
CREATE INDEX incident_slack_channel ON incident_slack (channel_id);

-- +goose Down
DROP TABLE incident_slack;
