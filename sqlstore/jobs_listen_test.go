package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestJobsWakeOnlyTheirSchema (PostgreSQL): a commit that enqueues jobs
// wakes the listeners of its own schema (another replica's), not those of
// a deployment in another schema of the same database.
func TestJobsWakeOnlyTheirSchema(t *testing.T) {
	t.Parallel()
	dsnA, dsnB := firelinetest.PostgresDSN(t), firelinetest.PostgresDSN(t)
	a, b := newEnv(t, dsnA), newEnv(t, dsnB)
	replica := openDB(t, dsnA, a.clock, sqlstore.Options{Planner: noWork}) // a second replica of deployment A
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woken := make(chan struct{}, 16)
	go a.db.Listen(ctx, dsnA, func() { woken <- struct{}{} })
	enqueue := func(db *sqlstore.DB, key string) {
		t.Helper()
		if err := db.JobTx(ctx, func(tx *sqlstore.Tx) error {
			return tx.Enqueue(ctx, fireline.Job{Kind: "test", Key: key, RunAt: a.clock.Now().Add(time.Hour)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The listener is up once a commit of its own schema wakes it.
	deadline := time.After(10 * time.Second)
	for ready := false; !ready; {
		enqueue(replica, "ready-"+time.Now().Format(time.RFC3339Nano))
		select {
		case <-woken:
			ready = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("the listener never woke for its own schema")
		}
	}
	for len(woken) > 0 {
		<-woken
	}
	enqueue(b.db, "other-schema")
	select {
	case <-woken:
		t.Fatal("a commit in another schema woke the listener")
	case <-time.After(300 * time.Millisecond):
	}
	enqueue(replica, "same-schema")
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("a commit of another replica in the same schema did not wake the listener")
	}
}
