package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Handler runs one job. Returning nil finishes the job as done; ErrFinished
// says the handler finished (or rescheduled) it in its own transaction; a
// *RetryError or any other error runs it again after a backoff, until its
// attempts are spent; a Permanent error fails it at once.
type Handler func(ctx context.Context, j *Job) error

// Options configure a Runner.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Owner names this runner in leases; random when empty.
	Owner string
	// Lease is how long a claim lasts before another runner may take the
	// job over (default 30 s). A handler must finish well within it.
	Lease time.Duration
	// Workers caps the jobs of one kind running at once (default 16), so
	// that a slow kind never starves another.
	Workers int
	// Poll is the longest the runner sleeps without looking (default 1 s):
	// it bounds how late an expired lease of a crashed runner is noticed,
	// and work enqueued by a replica whose NOTIFY was lost.
	Poll   time.Duration
	Logger *slog.Logger
	// Reader, when set, is a pool that sees committed rows (on SQLite the
	// read pool): Start checks there that a job handed to it committed.
	// The writer when nil.
	Reader *sql.DB
	// OnFinish, when set, is told of every job outcome (for metrics).
	OnFinish func(kind string, late time.Duration, err error)
	// Handoff, when set, is how the store that enqueues jobs reaches this
	// runner: the runner joins it here.
	Handoff *Handoff
	// ClockOK, when set, says whether this runner's clock may decide what
	// is due (replicas compare theirs with the database's): while it
	// errs, the runner claims and rescues nothing, and transactions do
	// not claim for it.
	ClockOK func(ctx context.Context) error
}

// Runner claims due jobs and runs their handlers.
type Runner struct {
	db       *sql.DB
	dialect  string
	opts     Options
	handlers map[string]Handler
	sem      map[string]chan struct{}
	wake     chan struct{}
	nextDue  atomic.Int64 // unix micros of the earliest known pending job; MaxInt64 for none
	wg       sync.WaitGroup
	// mu guards runCtx and stopped: Start adds to wg only while Run runs.
	mu      sync.Mutex
	runCtx  context.Context // Run's, while it runs
	stopped bool
	// clockBad says the last ClockOK check failed.
	clockBad atomic.Bool
}

// NewRunner returns a runner over db, the database's writer.
func NewRunner(db *sql.DB, dialect string, opts Options) *Runner {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Owner == "" {
		opts.Owner = "runner-" + rand.Text()[:10]
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{db: db, dialect: dialect, opts: opts, handlers: map[string]Handler{},
		sem: map[string]chan struct{}{}, wake: make(chan struct{}, 1)}
	r.nextDue.Store(0) // unknown: look at once
	if h := opts.Handoff; h != nil {
		h.mu.Lock()
		h.r = r
		h.mu.Unlock()
	}
	return r
}

// Handle registers the handler of a kind. Call it before Run.
func (r *Runner) Handle(kind string, h Handler) {
	r.handlers[kind] = h
	r.sem[kind] = make(chan struct{}, r.opts.Workers)
}

// Owner returns the name this runner claims under.
func (r *Runner) Owner() string { return r.opts.Owner }

// Wake tells the runner that a job due at at was committed. It never
// blocks; call it after the commit.
func (r *Runner) Wake(at time.Time) {
	us := at.UnixMicro()
	for {
		cur := r.nextDue.Load()
		if us >= cur || r.nextDue.CompareAndSwap(cur, us) {
			break
		}
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs due jobs until ctx ends, then waits for the
// handlers in flight.
func (r *Runner) Run(ctx context.Context) {
	r.mu.Lock()
	r.runCtx, r.stopped = ctx, false
	r.mu.Unlock()
	defer r.wg.Wait()
	defer func() {
		r.mu.Lock()
		r.runCtx, r.stopped = nil, true
		r.mu.Unlock()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastRescue := time.Time{}
	for {
		woken := false
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-r.wake:
			woken = true
		}
		now := r.opts.Now()
		if !r.clockOK(ctx) {
			timer.Reset(r.opts.Poll)
			continue
		}
		if now.Sub(lastRescue) >= r.opts.Poll {
			r.rescue(ctx, now)
			lastRescue = now
		}
		// A wake may race the read of the next due instant in sleep, so a
		// wake always claims.
		if woken || r.nextDue.Load() <= now.UnixMicro() {
			r.claimAndStart(ctx, now)
		}
		timer.Reset(r.sleep(ctx))
	}
}

// sleep refreshes the next due instant from the database and returns how
// long to sleep until it, at most Poll.
func (r *Runner) sleep(ctx context.Context) time.Duration {
	due, err := r.earliest(ctx)
	if err != nil {
		r.opts.Logger.Warn("jobs: read next due", "err", err)
		return r.opts.Poll
	}
	// A Wake racing this store also sends on r.wake, which claims.
	r.nextDue.Store(due)
	if due == math.MaxInt64 {
		return r.opts.Poll
	}
	d := time.UnixMicro(due).Sub(r.opts.Now())
	return min(max(d, 0), r.opts.Poll)
}

// earliest returns the run_at of the earliest pending job, MaxInt64 when
// there is none.
func (r *Runner) earliest(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := r.db.QueryRowContext(ctx, "SELECT MIN(run_at) FROM jobs WHERE state = 'pending'").Scan(&v); err != nil {
		return 0, err
	}
	if !v.Valid {
		return math.MaxInt64, nil
	}
	return v.Int64, nil
}

// Claiming says whether transactions may claim the jobs they create due
// now for this runner (EnqueueClaimed): only while Run runs, so that a
// runner driven by RunDue (tests) claims its own. It returns the owner and
// lease to claim with.
func (r *Runner) Claiming() (owner string, lease time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opts.Owner, r.opts.Lease, r.runCtx != nil && r.runCtx.Err() == nil && !r.clockBad.Load()
}

// clockOK runs the ClockOK check, if any, and remembers its outcome.
func (r *Runner) clockOK(ctx context.Context) bool {
	if r.opts.ClockOK == nil {
		return true
	}
	err := r.opts.ClockOK(ctx)
	if err != nil && !r.clockBad.Load() {
		r.opts.Logger.Error("jobs: not claiming due jobs: this runner's clock cannot be trusted", "err", err)
	}
	r.clockBad.Store(err != nil)
	return err == nil
}

// Start runs jobs that a committed transaction created already claimed by
// this runner (EnqueueClaimed), each in its kind's worker pool. Call it
// after the commit. A job whose row is not this runner's running job (its
// insert was rolled back to a savepoint) is dropped; when Run is not
// running the jobs are handed back to pending for any runner.
func (r *Runner) Start(js []*Job) {
	if len(js) == 0 {
		return
	}
	r.mu.Lock()
	ctx := r.runCtx
	if ctx == nil || ctx.Err() != nil {
		r.mu.Unlock()
		r.release(js)
		return
	}
	r.wg.Add(1) // under mu: Run's Wait cannot have started
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		r.startAll(ctx, r.committed(ctx, js))
	}()
}

// committed returns the jobs of js whose row committed as this runner's
// running job, with the stored arguments.
func (r *Runner) committed(ctx context.Context, js []*Job) []*Job {
	db := r.opts.Reader
	if db == nil {
		db = r.db
	}
	byID := map[int64]*Job{}
	for _, j := range js {
		byID[j.ID] = j // a later insert that reused an id wins
	}
	out := make([]*Job, 0, len(byID))
	for _, j := range byID {
		var key, args string
		err := db.QueryRowContext(ctx, rebind(r.dialect, "SELECT key, args FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?"),
			j.ID, r.opts.Owner).Scan(&key, &args)
		switch {
		case err == nil && key == j.Key:
			j.Args = []byte(args)
			out = append(out, j)
		case err == nil || errors.Is(err, sql.ErrNoRows):
			// rolled back, or finished or cancelled already
		default:
			// Unsure: leave it to the lease; a rescue runs it later.
			r.opts.Logger.Warn("jobs: check a handed job", "key", j.Key, "err", err)
		}
	}
	return out
}

// release puts jobs this runner claimed but will not run back to pending.
func (r *Runner) release(js []*Job) {
	for _, j := range js {
		_, err := r.db.ExecContext(context.Background(), rebind(r.dialect,
			"UPDATE jobs SET state = 'pending', attempts = attempts - 1, lease_owner = '', lease_until = NULL WHERE id = ? AND key = ? AND state = 'running' AND lease_owner = ?"),
			j.ID, j.Key, r.opts.Owner)
		if err != nil {
			r.opts.Logger.Warn("jobs: release a handed job", "key", j.Key, "err", err)
		}
	}
}

// claimAndStart claims due jobs and starts each in its kind's worker pool;
// it claims again while a full batch came back.
func (r *Runner) claimAndStart(ctx context.Context, now time.Time) {
	for {
		jobs, err := r.claim(ctx, now, 64)
		if err != nil {
			if ctx.Err() == nil {
				r.opts.Logger.Warn("jobs: claim", "err", err)
			}
			return
		}
		r.startAll(ctx, jobs)
		if len(jobs) < 64 {
			return
		}
	}
}

// startAll starts each job in its kind's worker pool.
func (r *Runner) startAll(ctx context.Context, jobs []*Job) {
	for _, j := range jobs {
		sem := r.sem[j.Kind]
		if sem == nil {
			sem = r.sem[""]
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if sem != nil {
				sem <- struct{}{}
				defer func() { <-sem }()
			}
			r.run(context.WithoutCancel(ctx), j)
		}()
	}
}

// RunDue runs every job due at now, synchronously, until none is left
// (jobs that the ones run enqueue for now included). It returns how many
// ran. Tests call it with a manual clock instead of Run.
func (r *Runner) RunDue(ctx context.Context, now time.Time) (int, error) {
	total := 0
	if !r.clockOK(ctx) {
		return 0, nil
	}
	for {
		r.rescue(ctx, now)
		jobs, err := r.claim(ctx, now, 64)
		if err != nil {
			return total, err
		}
		if len(jobs) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Go(func() { r.runAt(ctx, j, now) })
		}
		wg.Wait()
		total += len(jobs)
	}
}

// NextDue returns when the earliest pending job falls due, and false when
// none is pending: tests walk a manual clock from one due instant to the
// next, so that jobs run in the order and at the instants they would.
func (r *Runner) NextDue(ctx context.Context) (time.Time, bool, error) {
	due, err := r.earliest(ctx)
	if err != nil || due == math.MaxInt64 {
		return time.Time{}, false, err
	}
	return time.UnixMicro(due).UTC(), true, nil
}

// claim leases up to limit due jobs.
func (r *Runner) claim(ctx context.Context, now time.Time, limit int) ([]*Job, error) {
	lock := ""
	if r.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := rebind(r.dialect, `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ? ORDER BY run_at LIMIT ?`+lock+`)
		RETURNING id, kind, key, group_key, args, run_at, attempts, max_attempts, last_error`)
	rows, err := r.db.QueryContext(ctx, q, r.opts.Owner, now.Add(r.opts.Lease).UnixMicro(), now.UnixMicro(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		j := &Job{Owner: r.opts.Owner}
		var args string
		var runAt int64
		if err := rows.Scan(&j.ID, &j.Kind, &j.Key, &j.Group, &args, &runAt, &j.Attempts, &j.MaxAttempts, &j.LastError); err != nil {
			return nil, err
		}
		j.Args, j.RunAt = []byte(args), time.UnixMicro(runAt).UTC()
		out = append(out, j)
	}
	return out, rows.Err()
}

// rescue returns jobs whose lease expired (their runner died) to pending.
func (r *Runner) rescue(ctx context.Context, now time.Time) {
	res, err := r.db.ExecContext(ctx, rebind(r.dialect,
		"UPDATE jobs SET state = 'pending', lease_owner = '', lease_until = NULL WHERE state = 'running' AND lease_until < ?"),
		now.UnixMicro())
	if err != nil {
		if ctx.Err() == nil {
			r.opts.Logger.Warn("jobs: rescue", "err", err)
		}
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		r.opts.Logger.Warn("jobs: rescued jobs of an expired lease", "jobs", n)
	}
}

func (r *Runner) run(ctx context.Context, j *Job) { r.runAt(ctx, j, time.Time{}) }

// runAt runs one claimed job and records its outcome; at is the instant
// RunDue runs at (zero: the clock's).
func (r *Runner) runAt(ctx context.Context, j *Job, at time.Time) {
	now := func() time.Time {
		if at.IsZero() {
			return r.opts.Now()
		}
		return at
	}
	start := now()
	h := r.handlers[j.Kind]
	var err error
	if h == nil {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	} else {
		err = safeCall(ctx, h, j)
	}
	if r.opts.OnFinish != nil {
		r.opts.OnFinish(j.Kind, start.Sub(j.RunAt), err)
	}
	r.record(ctx, j, err, now())
}

func safeCall(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panicked: %v", v)
		}
	}()
	return h(ctx, j)
}

// record finishes the job as the handler's error says. A job the handler
// finished itself is left alone (the fenced update changes nothing).
func (r *Runner) record(ctx context.Context, j *Job, err error, now time.Time) {
	var ferr error
	var perm *permanentError
	switch {
	case err == nil:
		ferr = Complete(ctx, r.db, r.dialect, j, now)
	case errors.Is(err, ErrFinished) || errors.Is(err, ErrLeaseLost):
		return // finished by the handler, or another runner's now
	case errors.As(err, &perm) || j.Attempts >= j.MaxAttempts:
		r.opts.Logger.Error("jobs: job failed for good", "kind", j.Kind, "key", j.Key, "attempts", j.Attempts, "err", err)
		ferr = Fail(ctx, r.db, r.dialect, j, err.Error(), now)
	default:
		next := now.Add(Backoff(j.Attempts, retryAfter(err)))
		ferr = Reschedule(ctx, r.db, r.dialect, j, next, err.Error(), nil, false)
		if ferr == nil {
			r.Wake(next)
		}
	}
	if ferr != nil && !errors.Is(ferr, ErrLeaseLost) {
		r.opts.Logger.Warn("jobs: record outcome", "key", j.Key, "err", ferr)
	}
}

func retryAfter(err error) time.Duration {
	var re *RetryError
	if errors.As(err, &re) {
		return re.After
	}
	return 0
}

// Backoff is the wait before attempt n+1: 1 s doubling to at most 5 min,
// with ±20% jitter, and never less than notBefore (a Retry-After).
func Backoff(n int, notBefore time.Duration) time.Duration {
	d := time.Second << min(max(n-1, 0), 9)
	d = min(d, 5*time.Minute)
	jitter := time.Duration((mrand.Float64()*0.4 - 0.2) * float64(d))
	return max(d+jitter, notBefore)
}

// Handoff joins the transactions that enqueue jobs (the store) and this
// process's runner: made first and given to both (the store's options and
// the runner's), so that neither is set on the other after construction.
// Until a runner has it, or while its runner is not running, it claims
// nothing and its wakes are lost (the runner looks at the database when
// it starts).
type Handoff struct {
	mu sync.Mutex
	r  *Runner
}

// NewHandoff returns a handoff with no runner yet.
func NewHandoff() *Handoff { return &Handoff{} }

func (h *Handoff) runner() *Runner {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.r
}

// Claiming says whether transactions may claim the jobs they create due
// now for the runner (see Runner.Claiming).
func (h *Handoff) Claiming() (owner string, lease time.Duration, ok bool) {
	if r := h.runner(); r != nil {
		return r.Claiming()
	}
	return "", 0, false
}

// Start hands the runner the jobs a committed transaction claimed for it.
func (h *Handoff) Start(js []*Job) {
	if r := h.runner(); r != nil {
		r.Start(js)
	}
}

// Wake tells the runner a job due at at was committed.
func (h *Handoff) Wake(at time.Time) {
	if r := h.runner(); r != nil {
		r.Wake(at)
	}
}
