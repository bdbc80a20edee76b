package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// jobsChannel is the PostgreSQL NOTIFY channel that wakes the runners of
// every replica when a transaction enqueues jobs; in a schema other than
// public, with the schema's hash appended (channelFor), so that
// deployments in different schemas of one database do not wake each other.
const jobsChannel = "fireline_jobs"

// Planner decides, inside the transaction of an incident change, which
// follow-up work to enqueue (pages, escalation steps) and which to cancel.
// The engine provides it; the store calls it from every use case that
// changes an incident, with the incident after the change and the changes
// recorded, so that a committed change always has its work queued.
type Planner func(ctx context.Context, q Queue, inc *fireline.Incident, changes []fireline.Change) error

// Queue is the job queue of one transaction.
type Queue interface {
	// Enqueue inserts jobs; a key already pending or running is skipped.
	Enqueue(ctx context.Context, specs ...jobs.Spec) error
	// Cancel cancels a group's pending jobs of the kinds given (all when
	// none).
	Cancel(ctx context.Context, group string, kinds ...string) error
	// Now is the transaction's frozen instant.
	Now() time.Time
	// Overrides returns the on-call overrides in force at some instant of
	// [from, to).
	Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error)
	// RecordPaging appends a paging change (an escalation step) to inc's
	// timeline as the pager, in this transaction, as PageTx.Record does.
	RecordPaging(ctx context.Context, inc *fireline.Incident, c fireline.Change) error
}

// LocalRunner is this process's job runner as the store sees it: a
// transaction that creates jobs due now claims them for it (while it
// runs), and hands them to it after the commit, so that they start
// without a claim transaction of their own (docs/adr/0025).
type LocalRunner interface {
	Claiming() (owner string, lease time.Duration, ok bool)
	Start(js []*jobs.Job)
}

type claimedJobs = []*jobs.Job

// SetLocalRunner installs the local runner. Call it before serving.
func (db *DB) SetLocalRunner(r LocalRunner) { db.local = r }

// SetPlanner installs the planner. Call it before serving.
func (db *DB) SetPlanner(p Planner) { db.planner = p }

// OnEnqueue installs the function told, after each commit that enqueued
// jobs, of the earliest run_at enqueued: the local runner's Wake.
func (db *DB) OnEnqueue(f func(time.Time)) { db.onEnqueue = f }

// Writer returns the pool that writes (on SQLite the single writer
// connection): the job runner claims through it.
func (db *DB) Writer() *sql.DB { return db.write }

// Reader returns the pool that reads committed rows (on SQLite the
// query-only pool; on PostgreSQL the one pool).
func (db *DB) Reader() *sql.DB { return db.read }

// Enqueue implements Queue.
func (tx *Tx) Enqueue(ctx context.Context, specs ...jobs.Spec) error {
	if len(specs) == 0 {
		return nil
	}
	var owner string
	var lease time.Duration
	claim := false
	if tx.db.local != nil {
		owner, lease, claim = tx.db.local.Claiming()
	}
	pending := specs[:0:0]
	for _, s := range specs {
		if !claim || s.RunAt.After(tx.now) {
			pending = append(pending, s)
			continue
		}
		j, err := jobs.EnqueueClaimed(ctx, tx.tx, tx.db.dialect, tx.now, owner, lease, s)
		if err != nil {
			return err
		}
		if j != nil {
			tx.claimed = append(tx.claimed, j)
		}
	}
	n, err := jobs.Enqueue(ctx, tx.tx, tx.db.dialect, tx.now, pending...)
	if err != nil || n == 0 {
		return err
	}
	for _, s := range pending {
		if tx.wakeAt.IsZero() || s.RunAt.Before(tx.wakeAt) {
			tx.wakeAt = s.RunAt
		}
	}
	// Sent just before the commit, with the incidents' notifications
	// (notifyTouched): delivered at commit, and only if it commits. Sent
	// then rather than now, a savepoint rolled back later cannot take it
	// back while the jobs of the rest of the transaction stay.
	tx.notifyJobs = true
	return nil
}

// Cancel implements Queue.
func (tx *Tx) Cancel(ctx context.Context, group string, kinds ...string) error {
	_, err := jobs.CancelGroup(ctx, tx.tx, tx.db.dialect, tx.now, group, kinds...)
	return err
}

// Now implements Queue.
func (tx *Tx) Now() time.Time { return tx.now }

// afterCommit wakes the local runner when the transaction enqueued jobs.
// A claimed job's incident (its Local) is copied here, as committed: the
// transaction's own object may be written again after the commit (finish)
// while the runner reads the copy.
func (tx *Tx) afterCommit() {
	for _, j := range tx.claimed {
		if inc, ok := j.Local.(*fireline.Incident); ok {
			c := *inc
			j.Local = &c
		}
	}
	if len(tx.claimed) > 0 && tx.db.local != nil {
		tx.db.local.Start(tx.claimed)
	}
	if !tx.wakeAt.IsZero() && tx.db.onEnqueue != nil {
		tx.db.onEnqueue(tx.wakeAt)
	}
}

// RecordPaging implements Queue.
func (tx *Tx) RecordPaging(ctx context.Context, inc *fireline.Incident, c fireline.Change) error {
	return (&PageTx{Tx: tx, inc: inc}).Record(ctx, c)
}

// plan runs the planner on an incident change in the change's transaction.
func (tx *Tx) plan(ctx context.Context, inc *fireline.Incident, changes []fireline.Change) error {
	if tx.db.planner == nil || len(changes) == 0 {
		return nil
	}
	return tx.db.planner(ctx, tx, inc, changes)
}

// Listen calls wake whenever another transaction that enqueued jobs
// commits, until ctx ends. On SQLite, where one process owns the database,
// it only waits. On PostgreSQL it LISTENs on its own connection,
// reconnecting after a failure (and waking once then, in case a
// notification was missed).
func (db *DB) Listen(ctx context.Context, dsn string, wake func()) {
	if db.dialect != DialectPostgres {
		<-ctx.Done()
		return
	}
	for ctx.Err() == nil {
		if err := db.listenOnce(ctx, dsn, wake); err != nil && ctx.Err() == nil {
			db.logger.Warn("jobs: listen", "err", err)
			wake()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, dsn string, wake func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.jobsChannel}.Sanitize()); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}

// JobTx runs fn in a write transaction of its own, for work that belongs
// to no incident (test pages, periodic jobs).
func (db *DB) JobTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.writeTx(ctx, "job", fn)
}
