// Package sqlstore persists Fireline: the services of the root package on
// database/sql, for SQLite (modernc.org/sqlite) and PostgreSQL (pgx
// through its database/sql driver), with one portable query set: queries
// are written with ? placeholders and rebound to $1, $2, ... for
// PostgreSQL.
//
// It owns the schema and its migrations (embedded, one directory per
// dialect, applied with goose), incidents and their append-only timeline
// (the domain seals events with Incident.Append; insertEvent is the only
// way they are written) and the checklist they derive (checklist.go: a
// row of incident_checklists written with the events that change it,
// loaded wherever an incident is acted on or shown), its communications
// (comms.go: incident_comms, the same way) and its post-incident review
// and action items (review.go: incident_reviews and action_items, written
// the same way; the board of open items across incidents), the status
// pages' reads (status.go: the public record, whose every query selects
// unrestricted incidents only), alerts and their intake (a group-commit
// writer, batcher.go, whose batch, intake_batch.go, is written once over
// intakeDialect, intake_dialect.go, with a SQLite side, intake_sqlite.go,
// and a pipelined PostgreSQL side, intake_postgres*.go), integrations,
// tokens, users and sessions, overrides, the audit log (audit.go: the
// domain seals entries with AuditHead.Append; appendAudit, called in the
// transaction of every audited act, is the only way they are written),
// and the jobs table's side of the work the domain decides:
// in the transaction of every incident change it stores what
// Policy.PlanWork asks for (cancellations, steps run at once, jobs), so
// that a committed change always has its work queued (jobs.go). It never
// calls the engine; the job runner of this process reaches it only as
// Options.Runner (a jobs.Handoff), and the console's live hub as
// Options.Publisher, both given at Open.
//
// Every use case runs in one transaction with now frozen at its start; the
// restricted-incident visibility rule lives inside the SQL of every read.
// On SQLite all writes go through a single writer connection that begins
// transactions with BEGIN IMMEDIATE, and reads use a separate query-only
// pool. On PostgreSQL one pool serves both and incident updates lock the
// incident row.
//
// It imports the fireline domain package, jobs, the standard library and
// the database drivers and migration library; nothing imports it but cmd/
// and tests.
package sqlstore
