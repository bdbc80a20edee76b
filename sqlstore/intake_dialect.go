package sqlstore

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// intakeDialect is intake's seam with its database: what a group commit
// does differently on SQLite (sqliteIntake, intake_sqlite.go) and on
// PostgreSQL (postgresIntake, intake_postgres*.go). Everything else of
// intake (intake.go, intake_batch.go, batcher.go) is written once, and
// writes incidents and timelines through the same helpers as the other
// services (Incident.Append, insertEvent, writeIncident, saveParts,
// tx.plan); only newIntakeDialect asks which database it is on.
type intakeDialect interface {
	// commit runs a batch's write transaction and commits it when fn
	// returns nil.
	commit(ctx context.Context, op string, fn func(*Tx) error) error
	// readAhead looks up, before a batch's jobs run, what they will ask
	// the database: the open alerts of their keys (and on PostgreSQL
	// their alert groups' locks and open incidents, new alert ids and
	// maintenance windows).
	readAhead(ctx context.Context, b *intakeBatch, a batchAhead) error
	// lockGroups takes the alert groups' locks for the careful pass,
	// which runs its jobs one savepoint at a time without reading ahead.
	lockGroups(ctx context.Context, b *intakeBatch, groups []int64) error
	// alertID gives a new alert row its id.
	alertID(ctx context.Context, b *intakeBatch) (int64, error)
	// insertAlerts inserts the batch's pending alert rows.
	insertAlerts(ctx context.Context, b *intakeBatch) error
	// addRepeats adds up repeat counts of alerts in the database.
	addRepeats(ctx context.Context, tx *Tx, r map[int64]pendingRepeat) error
	// insertEvents appends incident n's events, sealed by the domain, in
	// order (flush then writes the incident's row).
	insertEvents(ctx context.Context, tx *Tx, n int64, events []*fireline.Event) error
	// committedOpen is the memory of committed open alerts that answers
	// repeats without a commit (SQLite; nil on PostgreSQL, whose replicas
	// share the alerts: intake_repeats.go).
	committedOpen() *committedOpen
}

// newIntakeDialect returns intake's seam for db.
func newIntakeDialect(db *DB) intakeDialect {
	if db.dialect == DialectPostgres {
		return &postgresIntake{db: db}
	}
	return &sqliteIntake{db: db, committed: newCommittedOpen(maxCommittedOpen)}
}

// batchAhead is what a batch's jobs will ask, gathered before they run:
// the open-alert keys by integration, the alert groups their triggers
// may open incidents in (by lock key and by name), and the services of
// those triggers.
type batchAhead struct {
	keys     map[string][]string
	locks    []int64
	groups   []groupKey
	services []string
}
