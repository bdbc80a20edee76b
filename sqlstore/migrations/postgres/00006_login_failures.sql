-- Failed console logins by key, shared by every replica
-- (docs/adr/0034-login-throttling.md). Keys are SHA-256 hex of what is
-- counted (the email typed, the client address, the device cookie), never
-- the values themselves. Rows are forgotten a day after their last failure.

-- +goose Up
CREATE TABLE login_failures (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);

-- +goose Down
DROP TABLE login_failures;
