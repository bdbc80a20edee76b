package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/sqlstore"
)

var t0 = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

// env is one database with the jobs table, a manual clock and a runner.
type env struct {
	db    *sqlstore.DB
	clock *firelinetest.Clock
}

func open(t *testing.T, dsn string) *env {
	t.Helper()
	clock := firelinetest.NewClock(t0)
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &env{db: db, clock: clock}
}

func (e *env) runner(owner string) *jobs.Runner {
	return jobs.NewRunner(e.db.Writer(), e.db.Dialect(), jobs.Options{Now: e.clock.Now, Owner: owner, Lease: 30 * time.Second})
}

// enqueue inserts specs in a transaction that commits unless rollback.
func (e *env) enqueue(t *testing.T, rollback bool, specs ...jobs.Spec) {
	t.Helper()
	tx, err := e.db.Writer().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Enqueue(context.Background(), tx, e.db.Dialect(), e.clock.Now(), specs...); err != nil {
		t.Fatal(err)
	}
	if rollback {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (e *env) state(t *testing.T, key string) (state string, attempts int) {
	t.Helper()
	q := "SELECT state, attempts FROM jobs WHERE key = ? ORDER BY id DESC LIMIT 1"
	if e.db.Dialect() == jobs.Postgres {
		q = "SELECT state, attempts FROM jobs WHERE key = $1 ORDER BY id DESC LIMIT 1"
	}
	if err := e.db.Writer().QueryRow(q, key).Scan(&state, &attempts); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return state, attempts
}

func spec(key string, at time.Time) jobs.Spec {
	return jobs.Spec{Kind: "test", Key: key, Group: "g", Args: map[string]string{"key": key}, RunAt: at}
}

func mustRunDue(t *testing.T, r *jobs.Runner, at time.Time) int {
	t.Helper()
	n, err := r.RunDue(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestContract(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		t.Run("transactional enqueue and unique keys", func(t *testing.T) {
			e := open(t, dsn)
			r := e.runner("a")
			var ran []string
			var mu sync.Mutex
			r.Handle("test", func(ctx context.Context, j *jobs.Job) error {
				var a map[string]string
				if err := j.Decode(&a); err != nil {
					return err
				}
				mu.Lock()
				ran = append(ran, a["key"])
				mu.Unlock()
				return nil
			})
			e.enqueue(t, true, spec("rolled-back", t0))
			e.enqueue(t, false, spec("k1", t0), spec("k1", t0), spec("later", t0.Add(4*time.Hour)))
			e.enqueue(t, false, spec("k1", t0)) // still pending: skipped
			if n := mustRunDue(t, r, t0); n != 1 || len(ran) != 1 || ran[0] != "k1" {
				t.Fatalf("ran %d: %v", n, ran)
			}
			if s, _ := e.state(t, "rolled-back"); s != "" {
				t.Fatalf("a rolled-back job exists: %s", s)
			}
			if n := mustRunDue(t, r, t0.Add(4*time.Hour-time.Millisecond)); n != 0 {
				t.Fatalf("ran %d jobs early", n)
			}
			if n := mustRunDue(t, r, t0.Add(4*time.Hour)); n != 1 {
				t.Fatalf("the four-hour job did not run on time")
			}
			e.enqueue(t, false, spec("k1", t0)) // done: a new job with the key
			if n := mustRunDue(t, r, t0.Add(4*time.Hour)); n != 1 {
				t.Fatalf("a finished key was not reusable")
			}
		})

		t.Run("retry with backoff honours Retry-After, then fails", func(t *testing.T) {
			e := open(t, dsn)
			r := e.runner("a")
			var calls atomic.Int32
			r.Handle("test", func(ctx context.Context, j *jobs.Job) error {
				calls.Add(1)
				return &jobs.RetryError{Err: errors.New("429"), After: 30 * time.Second}
			})
			e.enqueue(t, false, jobs.Spec{Kind: "test", Key: "r", Args: 1, RunAt: t0, MaxAttempts: 2})
			mustRunDue(t, r, t0)
			if n := mustRunDue(t, r, t0.Add(29*time.Second)); n != 0 {
				t.Fatal("retried before Retry-After")
			}
			mustRunDue(t, r, t0.Add(31*time.Second))
			if s, a := e.state(t, "r"); s != jobs.StateFailed || a != 2 || calls.Load() != 2 {
				t.Fatalf("state %s after %d attempts (%d calls), want failed after 2", s, a, calls.Load())
			}
		})

		t.Run("permanent error fails at once; cancel", func(t *testing.T) {
			e := open(t, dsn)
			r := e.runner("a")
			r.Handle("test", func(ctx context.Context, j *jobs.Job) error { return jobs.Permanent(errors.New("410 gone")) })
			e.enqueue(t, false, spec("p", t0), spec("c", t0.Add(time.Hour)))
			mustRunDue(t, r, t0)
			if s, _ := e.state(t, "p"); s != jobs.StateFailed {
				t.Fatalf("state %s", s)
			}
			tx, _ := e.db.Writer().Begin()
			if n, err := jobs.CancelGroup(context.Background(), tx, e.db.Dialect(), t0, "g"); err != nil || n != 1 {
				t.Fatalf("cancel: %d %v", n, err)
			}
			tx.Commit()
			if n := mustRunDue(t, r, t0.Add(2*time.Hour)); n != 0 {
				t.Fatal("a cancelled job ran")
			}
		})

		t.Run("expired lease is taken over; the old holder is fenced", func(t *testing.T) {
			e := open(t, dsn)
			crashed := e.runner("crashed")
			var held *jobs.Job
			crashed.Handle("test", func(ctx context.Context, j *jobs.Job) error {
				held = j
				return jobs.ErrLeaseLost // "dies" without finishing
			})
			e.enqueue(t, false, spec("l", t0))
			mustRunDue(t, crashed, t0)
			survivor := e.runner("survivor")
			var ran atomic.Int32
			survivor.Handle("test", func(ctx context.Context, j *jobs.Job) error { ran.Add(1); return nil })
			if mustRunDue(t, survivor, t0.Add(29*time.Second)); ran.Load() != 0 {
				t.Fatal("a live lease was taken over")
			}
			if mustRunDue(t, survivor, t0.Add(31*time.Second)); ran.Load() != 1 {
				t.Fatal("an expired lease was not taken over")
			}
			err := jobs.Complete(context.Background(), e.db.Writer(), e.db.Dialect(), held, t0.Add(time.Minute))
			if !errors.Is(err, jobs.ErrLeaseLost) {
				t.Fatalf("the old holder completed the job: %v", err)
			}
		})

		t.Run("Run wakes on commit and runs a timer, never early", func(t *testing.T) {
			e := open(t, dsn)
			e.clock = nil
			r := jobs.NewRunner(e.db.Writer(), e.db.Dialect(), jobs.Options{Owner: "live"})
			ran := make(chan time.Time, 4)
			r.Handle("test", func(ctx context.Context, j *jobs.Job) error { ran <- time.Now(); return nil })
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { r.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			for _, delay := range []time.Duration{0, 150 * time.Millisecond} {
				due := time.Now().Add(delay)
				tx, _ := e.db.Writer().Begin()
				jobs.Enqueue(ctx, tx, e.db.Dialect(), time.Now(), spec(fmt.Sprint("live", delay), due))
				tx.Commit()
				r.Wake(due)
				select {
				case at := <-ran:
					// Never early; how late is measured by `fireline bench
					// page`, not asserted here (shared machines drift).
					if early := due.Sub(at); early > 0 {
						t.Errorf("job due in %v ran %v early", delay, early)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("job due in %v never ran", delay)
				}
			}
		})
	})
}

// TestClaimsAreExclusive runs many jobs with several runners at once on
// one database: each job runs exactly once.
func TestClaimsAreExclusive(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := open(t, dsn)
		const n = 300
		var specs []jobs.Spec
		for i := range n {
			specs = append(specs, spec(fmt.Sprint("x", i), t0))
		}
		e.enqueue(t, false, specs...)
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		for w := range 4 {
			r := e.runner(fmt.Sprint("r", w))
			r.Handle("test", func(ctx context.Context, j *jobs.Job) error {
				mu.Lock()
				count[j.Key]++
				mu.Unlock()
				return nil
			})
			wg.Go(func() {
				if _, err := r.RunDue(context.Background(), t0); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(count) != n {
			t.Fatalf("%d of %d jobs ran", len(count), n)
		}
		for k, c := range count {
			if c != 1 {
				t.Fatalf("%s ran %d times", k, c)
			}
		}
	})
}
