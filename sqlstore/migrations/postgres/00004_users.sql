-- Console users, their browser sessions and one-time login links
-- (docs/adr/0030-console-sessions.md). Secrets are stored only as SHA-256
-- hex; passwords only as argon2id hashes in PHC form. Instants are BIGINT
-- unix microseconds (UTC), as everywhere.

-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled_at   BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE sessions (
    secret_hash  TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_links (
    secret_hash TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX login_links_user ON login_links (user_id);

-- +goose Down
DROP TABLE login_links;
DROP TABLE sessions;
DROP TABLE users;
