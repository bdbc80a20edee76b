-- Paging and escalation (sqlite; the twin in ../postgres keeps the same
-- tables and meanings). Instants are BIGINT unix microseconds (UTC).

-- +goose Up

-- Durable jobs (package jobs, docs/adr/0020-durable-jobs.md): every page,
-- escalation step and delivery is a row, inserted in the transaction of the
-- change that causes it. A key is unique among pending and running jobs.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    group_key    TEXT NOT NULL,
    args         TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    lease_owner  TEXT NOT NULL,
    lease_until  BIGINT,
    last_error   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE UNIQUE INDEX jobs_live_key ON jobs (key) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_live_group ON jobs (group_key) WHERE state IN ('pending', 'running');

-- On-call overrides made at run time; the newest covering an instant wins.
CREATE TABLE oncall_overrides (
    id         TEXT PRIMARY KEY,
    schedule   TEXT NOT NULL,
    role       TEXT NOT NULL,
    person     TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oncall_overrides_ends ON oncall_overrides (ends_at);

-- Server secrets generated at first start when none is configured (the key
-- that signs acknowledge links and calendar feed URLs), shared by replicas.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE server_secrets;
DROP TABLE oncall_overrides;
DROP TABLE jobs;
