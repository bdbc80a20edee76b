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

// Planner decides the work an incident's changes ask for, in their
// transaction; the policy's PlanWork (the domain decides) unless
// Options.Planner replaces it, as tests do to make one transaction fail.
type Planner func(p *fireline.Policy, inc *fireline.Incident, changes []fireline.Change, actor fireline.Actor, now time.Time) (fireline.Work, error)

// LocalRunner is this process's job runner as the store sees it
// (jobs.Handoff): a transaction that creates jobs due now claims them for
// it while it runs and hands them to it after the commit, so that they
// start without a claim transaction of their own (docs/adr/0025); a
// commit that enqueued jobs wakes it.
type LocalRunner interface {
	Claiming() (owner string, lease time.Duration, ok bool)
	Start(js []*jobs.Job)
	Wake(at time.Time)
}

type claimedJobs = []*jobs.Job

// Writer returns the pool that writes (on SQLite the single writer
// connection): the job runner claims through it.
func (db *DB) Writer() *sql.DB { return db.write }

// Reader returns the pool that reads committed rows (on SQLite the
// query-only pool; on PostgreSQL the one pool).
func (db *DB) Reader() *sql.DB { return db.read }

// Enqueue inserts jobs in this transaction; a key already pending or
// running is skipped. Jobs due now are claimed for the local runner, if
// it runs, and handed to it after the commit.
func (tx *Tx) Enqueue(ctx context.Context, work ...fireline.Job) error {
	if len(work) == 0 {
		return nil
	}
	var owner string
	var lease time.Duration
	claim := false
	if tx.db.local != nil {
		owner, lease, claim = tx.db.local.Claiming()
	}
	pending := make([]jobs.Spec, 0, len(work))
	for _, w := range work {
		s := jobs.Spec{Kind: w.Kind, Key: w.Key, Group: w.Group, RunAt: w.RunAt, MaxAttempts: w.MaxAttempts, Args: w.Args, Local: w.Local}
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

// Cancel cancels a group's pending jobs of the kinds given (all when
// none).
func (tx *Tx) Cancel(ctx context.Context, group string, kinds ...string) error {
	_, err := jobs.CancelGroup(ctx, tx.tx, tx.db.dialect, tx.now, group, kinds...)
	return err
}

// Now is the transaction's frozen instant.
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
	if tx.db.local == nil {
		return
	}
	if len(tx.claimed) > 0 {
		tx.db.local.Start(tx.claimed)
	}
	if !tx.wakeAt.IsZero() {
		tx.db.local.Wake(tx.wakeAt)
	}
}

// plan stores, in an incident change's transaction, the work its changes
// ask for (the domain decides: Policy.PlanWork), so that a committed
// change always has its work queued and a rolled-back one none.
func (tx *Tx) plan(ctx context.Context, p *fireline.Policy, inc *fireline.Incident, changes []fireline.Change, actor fireline.Actor) error {
	if len(changes) == 0 {
		return nil
	}
	planner := tx.db.planner
	if planner == nil {
		planner = func(p *fireline.Policy, inc *fireline.Incident, changes []fireline.Change, actor fireline.Actor, now time.Time) (fireline.Work, error) {
			return p.PlanWork(inc, changes, actor, now), nil
		}
	}
	w, err := planner(p, inc, changes, actor, tx.now)
	if err != nil {
		return err
	}
	return tx.doWork(ctx, p, inc, w)
}

// doWork stores work the domain decided for inc in this transaction: its
// cancellations, its steps run now (resolved with the overrides in force,
// their changes appended to inc's timeline as the pager), and its jobs.
func (tx *Tx) doWork(ctx context.Context, p *fireline.Policy, inc *fireline.Incident, w fireline.Work) error {
	for _, c := range w.Cancels {
		if err := tx.Cancel(ctx, c.Group, c.Kinds...); err != nil {
			return err
		}
	}
	for _, run := range w.Steps {
		overrides, err := listOverrides(ctx, tx, tx.now, tx.now.Add(time.Microsecond))
		if err != nil {
			return err
		}
		changes, work := p.RunSteps(inc, run, tx.now, overrides)
		for _, c := range changes {
			if err := tx.recordEngineChange(ctx, inc, c); err != nil {
				return err
			}
		}
		work = append(work, p.SlackWork(inc, changes, tx.now)...) // the pages, mirrored into the channel
		if err := tx.Enqueue(ctx, work...); err != nil {
			return err
		}
	}
	return tx.Enqueue(ctx, w.Jobs...)
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
