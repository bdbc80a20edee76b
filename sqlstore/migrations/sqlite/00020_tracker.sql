-- Action items tracked in GitHub Issues (issue 19 item 3; ADR 0065).
-- tracker_issue is the issue an item was pushed as (owner/name#number,
-- lower case), copied from the item's data as the item is written, so
-- that a webhook about an issue finds its item.

-- +goose Up
ALTER TABLE action_items ADD COLUMN tracker_issue TEXT;
CREATE UNIQUE INDEX action_items_tracker_issue ON action_items (tracker_issue);

-- +goose Down
DROP INDEX action_items_tracker_issue;
ALTER TABLE action_items DROP COLUMN tracker_issue;
