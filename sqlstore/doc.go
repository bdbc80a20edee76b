// Package sqlstore implements Fireline's services on database/sql, for
// SQLite (modernc.org/sqlite) and PostgreSQL (pgx through its database/sql
// driver), with one portable query set: queries are written with ?
// placeholders and rebound to $1, $2, ... for PostgreSQL.
//
// It owns the database schema and its migrations (embedded, one directory
// per dialect, applied with goose), the incident rows and their append-only
// hash-chained timeline, incident numbering, and API tokens. Every use case
// runs in one transaction with `now` frozen at its start; the restricted
// incident visibility rule lives inside the SQL of every read.
//
// On SQLite all writes go through a single writer connection that begins
// transactions with BEGIN IMMEDIATE, and reads use a separate query-only
// pool. On PostgreSQL one pool serves both and incident updates lock the
// incident row.
//
// It imports the fireline domain package, the standard library and the
// database drivers and migration library; nothing imports it but cmd/ and
// tests.
package sqlstore
