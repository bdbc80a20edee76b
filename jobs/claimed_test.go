package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/jobs"
)

// TestEnqueueClaimedHandOver covers the hot path of ADR 0025: a job created
// already claimed in the committing transaction runs from memory once the
// transaction commits; one whose insert was rolled back to a savepoint
// never runs; and one handed to a runner that is not running goes back to
// pending for any runner.
func TestEnqueueClaimedHandOver(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := open(t, dsn)
		e.clock = nil
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ran := make(chan string, 8)
		r := jobs.NewRunner(e.db.Writer(), e.db.Dialect(), jobs.Options{Owner: "live", Lease: 30 * time.Second})
		r.Handle("test", func(ctx context.Context, j *jobs.Job) error { ran <- j.Key; return nil })
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		waitClaiming(t, r)

		claim := func(key string, savepointRollback bool) *jobs.Job {
			t.Helper()
			tx, err := e.db.Writer().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if savepointRollback {
				tx.ExecContext(ctx, "SAVEPOINT sp")
			}
			now := time.Now()
			j, err := jobs.EnqueueClaimed(ctx, tx, e.db.Dialect(), now, "live", 30*time.Second, spec(key, now))
			if err != nil || j == nil {
				t.Fatalf("EnqueueClaimed(%s): %v, %v", key, j, err)
			}
			if savepointRollback {
				tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sp")
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			return j
		}

		// A rolled-back insert handed over never runs; the committed one
		// handed over after it runs exactly once.
		gone := claim("rolled-back", true)
		kept := claim("committed", false)
		r.Start([]*jobs.Job{gone, kept})
		select {
		case key := <-ran:
			if key != "committed" {
				t.Fatalf("ran %q, want the committed job", key)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the committed, claimed job never ran")
		}
		if state, _ := e.state(t, "rolled-back"); state != "" {
			t.Fatalf("the rolled-back job exists with state %q", state)
		}
		// The handler has run; its outcome is recorded just after. Until
		// then the job is running, and a minute on its lease has expired.
		firelinetest.Eventually(t, 10*time.Second, func() error {
			if state, _ := e.state(t, "committed"); state == "running" {
				return errors.New("the committed job's outcome was never recorded")
			}
			return nil
		})
		if n := mustRunDue(t, r, time.Now().Add(time.Minute)); n != 0 {
			t.Fatalf("RunDue found %d more jobs to run", n)
		}
		select {
		case key := <-ran:
			t.Fatalf("%q ran a second time", key)
		default:
		}

		// A runner that is not running hands its claimed jobs back.
		idle := jobs.NewRunner(e.db.Writer(), e.db.Dialect(), jobs.Options{Owner: "idle", Lease: 30 * time.Second})
		tx, _ := e.db.Writer().BeginTx(ctx, nil)
		now := time.Now()
		j, err := jobs.EnqueueClaimed(ctx, tx, e.db.Dialect(), now, "idle", 30*time.Second, spec("handed-back", now))
		if err != nil || j == nil {
			t.Fatalf("EnqueueClaimed: %v, %v", j, err)
		}
		tx.Commit()
		idle.Start([]*jobs.Job{j})
		if state, _ := e.state(t, "handed-back"); state != "pending" {
			t.Fatalf("a job handed to a stopped runner is %q, want pending", state)
		}
	})
}

// waitClaiming waits until Run has started, so Start hands jobs over.
func waitClaiming(t *testing.T, r *jobs.Runner) {
	t.Helper()
	firelinetest.Eventually(t, 5*time.Second, func() error {
		if _, _, ok := r.Claiming(); !ok {
			return errors.New("the runner did not start")
		}
		return nil
	})
}
