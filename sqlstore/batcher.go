package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fireline-dev/fireline"
)

// batcher is intake's group commit: requests enqueue their work, and one
// goroutine runs whatever has queued (up to maxItems) in one write
// transaction, each job inside a savepoint of its own, so that a failing
// job is rolled back alone. Every job is answered after the commit that
// holds it: a nil error means committed. While one transaction commits,
// the next batch queues, so batches grow with load and no request waits
// on a timer.
type batcher struct {
	db       *DB
	dialect  intakeDialect
	policy   *fireline.Policy // what the incidents' changes are planned under
	queue    chan *batchJob
	maxItems int
	stop     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	prepared bool // intake's statements are prepared (stmt.go)
	// committed answers repeats of committed open alerts (SQLite); nil
	// on PostgreSQL.
	committed *committedOpen
	// queuedAlerts counts the alerts of the jobs queued and not yet
	// taken into a batch: a storm defers checkpoints (checkpoint.go).
	queuedAlerts atomic.Int64
}

// batchJob is one request's work.
type batchJob struct {
	ctx  context.Context
	size int
	run  func(ctx context.Context, b *intakeBatch) error
	err  error
	done chan struct{}
	// integration and keys name the open alerts the job will look up, for
	// the batch to read them ahead in one query (PostgreSQL).
	integration string
	keys        []string
	// groups are the lock keys of the alert groups the job's triggers may
	// open an incident for (groupLockKey), and services their services
	// (PostgreSQL).
	groups   []int64
	services []string
	// alertGroups are those groups by name, for the batch to look up
	// their open incidents ahead (PostgreSQL).
	alertGroups []groupKey
}

func newBatcher(db *DB, d intakeDialect, p *fireline.Policy, maxItems int) *batcher {
	b := &batcher{db: db, dialect: d, policy: p, queue: make(chan *batchJob, 4096), maxItems: maxItems,
		stop: make(chan struct{}), stopped: make(chan struct{}), committed: d.committedOpen()}
	go b.loop()
	return b
}

// errShuttingDown answers work that arrives while intake stops.
var errShuttingDown = fireline.Errorf(fireline.EUnavailable, "the server is shutting down; retry later")

// do runs fn in the next batch and returns its error, or the commit's.
// fn may run more than once (after a concurrent insert of the same dedup
// key on PostgreSQL, or after another job of its batch failed), so it
// must only write through the batch's transaction.
func (b *batcher) do(ctx context.Context, size int, fn func(ctx context.Context, ib *intakeBatch) error) error {
	return b.submit(&batchJob{ctx: ctx, size: max(size, 1), run: fn})
}

// submit queues a job and waits for its answer.
func (b *batcher) submit(j *batchJob) error {
	ctx := j.ctx
	j.done = make(chan struct{})
	b.queuedAlerts.Add(int64(j.size))
	select {
	case b.queue <- j:
	case <-ctx.Done():
		b.queuedAlerts.Add(-int64(j.size))
		return ctx.Err()
	case <-b.stop:
		b.queuedAlerts.Add(-int64(j.size))
		return errShuttingDown
	}
	select {
	case <-j.done:
		return j.err
	case <-b.stopped:
		select {
		case <-j.done:
			return j.err
		default:
			// Queued as the batcher stopped: nothing will take it.
			b.queuedAlerts.Add(-int64(j.size))
			return errShuttingDown
		}
	}
}

// Close stops the batcher after the batch in flight and answers what is
// still queued with EUnavailable.
func (b *batcher) Close() {
	b.once.Do(func() { close(b.stop) })
	<-b.stopped
}

func (b *batcher) loop() {
	defer close(b.stopped)
	for {
		var first *batchJob
		select {
		case first = <-b.queue:
		case <-b.stop:
			b.drain()
			b.writeLastRepeats()
			return
		}
		batch, n := []*batchJob{first}, first.size
		b.queuedAlerts.Add(-int64(first.size))
	collect:
		for n < b.maxItems {
			select {
			case j := <-b.queue:
				batch, n = append(batch, j), n+j.size
				b.queuedAlerts.Add(-int64(j.size))
			default:
				break collect
			}
		}
		b.run(batch)
	}
}

// writeLastRepeats writes the repeats answered since the last batch, when
// intake stops.
func (b *batcher) writeLastRepeats() {
	repeats := b.committed.takeRepeats()
	if len(repeats) == 0 {
		return
	}
	err := b.db.writeTx(context.Background(), "intake", func(tx *Tx) error {
		return b.dialect.addRepeats(context.Background(), tx, repeats)
	})
	if err != nil {
		b.committed.giveBack(repeats)
		b.db.logger.Warn("repeat counts not written at shutdown", "alerts", len(repeats), "err", err)
		return
	}
	b.committed.written(repeats)
}

func (b *batcher) drain() {
	for {
		select {
		case j := <-b.queue:
			b.queuedAlerts.Add(-int64(j.size))
			j.err = errShuttingDown
			close(j.done)
		default:
			return
		}
	}
}

// errBatchFailed aborts the fast attempt at a batch when one of its jobs
// fails, so that the batch runs again job by job.
var errBatchFailed = errors.New("a job of the batch failed")

// run commits one batch. It first runs every job in one pass without
// savepoints, keeping the incidents they touch in memory and writing each
// row once (intakeBatch). If any job fails, that transaction is rolled
// back whole and the batch runs again the careful way: each job inside a
// savepoint of its own, its incidents written before the savepoint is
// released, so that a failing job is rolled back alone. A failure of the
// transaction itself fails every job that had succeeded.
func (b *batcher) run(batch []*batchJob) {
	if !b.prepared {
		// Outside any transaction (stmt.go); again until all are prepared.
		b.prepared = b.db.prepareStatements(context.Background(), intakeStatements()...)
	}
	ok := make([]bool, len(batch))
	expect := 0
	for _, j := range batch {
		expect += j.size
	}
	repeats := b.committed.takeRepeats()
	var last *intakeBatch // the batch's memory in the transaction that commits
	begin := func(tx *Tx) (*intakeBatch, error) {
		last = newIntakeBatch(tx, b.policy, expect, b.dialect)
		if len(repeats) == 0 {
			return last, nil
		}
		return last, b.dialect.addRepeats(context.Background(), tx, repeats)
	}
	err := b.dialect.commit(context.Background(), "intake", func(tx *Tx) error {
		ib, err := begin(tx)
		if err != nil {
			return err
		}
		if err := b.dialect.readAhead(context.Background(), ib, aheadOf(batch)); err != nil {
			return err
		}
		for i, j := range batch {
			if err := j.ctx.Err(); err != nil {
				j.err = err
				continue
			}
			// Once started, a job is not cancelled with its request:
			// cancelling a statement midway could break the transaction
			// the batch shares.
			if err := j.run(context.WithoutCancel(j.ctx), ib); err != nil {
				return errBatchFailed
			}
			ok[i] = true
		}
		return ib.flushForCommit(context.Background())
	})
	// A unique violation at the commit is a concurrent insert of a key
	// (on PostgreSQL the batch's writes go with its COMMIT): the careful
	// pass retries the job that met it.
	if errors.Is(err, errBatchFailed) || isUniqueViolation(err) {
		clear(ok)
		err = b.dialect.commit(context.Background(), "intake", func(tx *Tx) error {
			ib, err := begin(tx)
			if err != nil {
				return err
			}
			if err := b.dialect.lockGroups(context.Background(), ib, batchGroups(batch)); err != nil {
				return err
			}
			for i, j := range batch {
				j.err = nil
				if err := j.ctx.Err(); err != nil {
					j.err = err
					continue
				}
				if err := b.runJob(ib, i, j); err != nil {
					if fatal := b.isFatal(err); fatal != nil {
						return fatal
					}
					j.err = b.db.dbError("intake", err)
					continue
				}
				ok[i] = true
			}
			return nil
		})
	}
	if err != nil {
		b.committed.giveBack(repeats)
	} else {
		b.committed.written(repeats)
		b.committed.remember(last.opened)
	}
	for i, j := range batch {
		if ok[i] || j.err == nil {
			j.err = err
		}
		close(j.done)
	}
	// After the answers, so that they do not wait for it.
	b.db.checkpointIfDue(context.Background())
	// The requests just answered wait in this goroutine's run queue. Left
	// there, they would wait behind the next batch and then behind its
	// commit's fsync, a syscall that holds this P until the runtime takes
	// it back, while the other core may idle. Yielding lets them answer
	// first, and lets the next batch gather the work that arrives
	// meanwhile: batches under a storm are about twice as large
	// (docs/adr/0039).
	runtime.Gosched()
}

// repeatsWritten returns once every repeat answered before the call is
// counted in the database, so that a reader sees the counts its senders
// were answered for.
func (b *batcher) repeatsWritten(ctx context.Context) error {
	if !b.committed.unwritten() {
		return nil
	}
	err := b.do(ctx, 0, func(context.Context, *intakeBatch) error { return nil })
	if errors.Is(err, errShuttingDown) {
		return nil // intake has stopped: it wrote what it could (writeLastRepeats)
	}
	return err
}

// wake queues an empty job, so that a batch runs soon and writes the
// repeats answered without one (committedOpen). It reports false when the
// queue is full, in which case batches are running anyway.
func (b *batcher) wake() bool {
	j := &batchJob{ctx: context.Background(), size: 0, done: make(chan struct{}),
		run: func(context.Context, *intakeBatch) error { return nil }}
	select {
	case b.queue <- j:
		return true
	default:
		return false
	}
}

// aheadOf gathers what a batch's live jobs will ask (batchAhead).
func aheadOf(batch []*batchJob) batchAhead {
	return batchAhead{keys: batchKeys(batch), locks: batchGroups(batch), groups: batchAlertGroups(batch), services: batchServices(batch)}
}

// batchKeys collects the open-alert keys of a batch's jobs, by
// integration.
func batchKeys(batch []*batchJob) map[string][]string {
	keys := map[string][]string{}
	for _, j := range batch {
		if j.integration != "" && len(j.keys) > 0 && j.ctx.Err() == nil {
			keys[j.integration] = append(keys[j.integration], j.keys...)
		}
	}
	return keys
}

// fatalError marks a failure after which the transaction cannot go on.
// batchGroups collects the group lock keys of a batch's live jobs.
func batchGroups(batch []*batchJob) []int64 {
	var groups []int64
	for _, j := range batch {
		if j.ctx.Err() == nil {
			groups = append(groups, j.groups...)
		}
	}
	return groups
}

// batchServices collects the services of a batch's live jobs' triggers.
func batchServices(batch []*batchJob) []string {
	return eachOnce(batch, func(j *batchJob) []string { return j.services })
}

// batchAlertGroups collects the alert groups of a batch's live jobs'
// triggers.
func batchAlertGroups(batch []*batchJob) []groupKey {
	return eachOnce(batch, func(j *batchJob) []groupKey { return j.alertGroups })
}

// eachOnce collects what of returns for a batch's live jobs, each value
// once, in the order they first come.
func eachOnce[T comparable](batch []*batchJob, of func(*batchJob) []T) []T {
	var all []T
	for _, j := range batch {
		if j.ctx.Err() != nil {
			continue
		}
		for _, v := range of(j) {
			if !slices.Contains(all, v) {
				all = append(all, v)
			}
		}
	}
	return all
}

type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

func (b *batcher) isFatal(err error) error {
	var f fatalError
	if errors.As(err, &f) {
		return f.err
	}
	return nil
}

// runJob runs one job inside a savepoint, retrying once after a unique
// violation (another transaction inserted the same open dedup key first).
// The job's incidents are written before the savepoint is released; when
// it fails, what the batch held in memory is dropped with its writes.
func (b *batcher) runJob(ib *intakeBatch, i int, j *batchJob) error {
	tx := ib.tx
	sp := "j" + strconv.Itoa(i)
	ctx := context.WithoutCancel(j.ctx)
	for attempt := 0; ; attempt++ {
		if _, err := tx.exec(ctx, "SAVEPOINT "+sp); err != nil {
			return fatalError{err}
		}
		err := j.run(ctx, ib)
		if err == nil {
			err = ib.flush(ctx)
		}
		if err == nil {
			if _, err := tx.exec(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
				return fatalError{err}
			}
			return nil
		}
		ib.reset()
		if _, rbErr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); rbErr != nil {
			return fatalError{fmt.Errorf("%w (and rollback to savepoint: %v)", err, rbErr)}
		}
		if attempt > 0 || !isUniqueViolation(err) {
			return err
		}
	}
}

// isUniqueViolation reports whether err is a unique constraint failure.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
