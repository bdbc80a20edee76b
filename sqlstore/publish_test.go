package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// changes is a publisher that queues what it is told.
type changes chan fireline.IncidentChange

func (c changes) Publish(ch fireline.IncidentChange) { c <- ch }

// next waits for the next change.
func (c changes) next(t *testing.T, what string) fireline.IncidentChange {
	t.Helper()
	select {
	case ch := <-c:
		return ch
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no change published", what)
		return fireline.IncidentChange{}
	}
}

// none checks that nothing more is published for a while.
func (c changes) none(t *testing.T, what string) {
	t.Helper()
	select {
	case ch := <-c:
		t.Fatalf("%s: published %+v", what, ch)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestEveryWriterPublishes checks that every committed timeline event is
// published, whichever writer appended it (here the incident service and
// the paging store), once per commit with the incident as committed, and
// that refused and rolled-back changes are not.
func TestEveryWriterPublishes(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		got := make(changes, 16)
		e := newEnvWith(t, dsn, sqlstore.Options{Planner: noWork, Publisher: got})
		inc, err := e.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: "t", Severity: "P3"})
		if err != nil {
			t.Fatal(err)
		}
		if c := got.next(t, "declare"); c.Incident.ID != inc.ID || c.Seq != 1 || c.Refresh {
			t.Fatalf("declare published %+v", c)
		}
		if _, err := e.incidents.Act(as(alex), inc.ID, fireline.Action{Kind: fireline.ActAcknowledge}); err != nil {
			t.Fatal(err)
		}
		if c := got.next(t, "acknowledge"); c.Seq != 3 || c.Incident.Status != fireline.StatusAcknowledged {
			t.Fatalf("acknowledge published seq %d status %s", c.Seq, c.Incident.Status)
		}
		if _, err := e.incidents.Act(as(alex), inc.ID, fireline.Action{Kind: fireline.ActAcknowledge}); err == nil {
			t.Fatal("second acknowledge accepted")
		}
		got.none(t, "refused acknowledge")

		// The paging store appends its own events; they are published too,
		// and a rolled-back one is not.
		ps := sqlstore.NewPagingStore(e.db, policy.Default())
		rollback := errors.New("rolled back")
		err = ps.IncidentTx(context.Background(), inc.Number, func(tx *sqlstore.PageTx, _ *fireline.Incident) error {
			if err := tx.Record(context.Background(), fireline.Change{Type: fireline.EventPageSent, Data: &fireline.PageAttemptData{
				Recipient: fireline.Recipient{Person: "alex"}, Method: fireline.MethodEmail, Attempt: 1}}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("rolled-back page: %v", err)
		}
		got.none(t, "rolled-back page")
		err = ps.IncidentTx(context.Background(), inc.Number, func(tx *sqlstore.PageTx, _ *fireline.Incident) error {
			return tx.Record(context.Background(), fireline.Change{Type: fireline.EventPageSent, Data: &fireline.PageAttemptData{
				Recipient: fireline.Recipient{Person: "alex"}, Method: fireline.MethodEmail, Attempt: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := got.next(t, "page"); c.Seq != 4 {
			t.Fatalf("page published seq %d, want 4", c.Seq)
		}
		got.none(t, "after the page")
	})
}

// TestPublishAcrossReplicas runs two stores on one PostgreSQL schema, as
// two replicas: a commit through one is published by both, exactly once
// each; when a replica's listener loses its connection it reconnects and
// publishes a full refresh, then hears commits again.
func TestPublishAcrossReplicas(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.PostgresDSN(t)
	gotA, gotB := make(changes, 16), make(changes, 16)
	a := newEnvWith(t, dsn, sqlstore.Options{Planner: noWork, Publisher: gotA})
	openDB(t, dsn, a.clock, sqlstore.Options{Planner: noWork, Publisher: gotB}) // replica B: it only listens
	// A third listener counts what the replicas send on the channel.
	var schema string
	if err := raw(t, dsn).QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	heard := listen(t, dsn, sqlstore.ChangesChannelFor(schema))
	r := raw(t, dsn)
	waitListening(t, r, sqlstore.ChangesChannelFor(schema), 2) // A's and B's
	inc, err := a.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: "t", Severity: "P3"})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]changes{"A": gotA, "B": gotB} {
		if c := got.next(t, "replica "+name); c.Incident.ID != inc.ID || c.Seq != 1 {
			t.Fatalf("replica %s published %+v", name, c)
		}
		got.none(t, "replica "+name+" after the declaration")
	}
	// A told the others once; B, which only heard it, told no one (an echo
	// would bounce between replicas).
	if n := heard(); n != 1 {
		t.Fatalf("%d notifications for one commit, want 1", n)
	}

	// Cut every listener of this schema's channel: each reconnects and
	// says "refresh".
	var cut int
	if err := r.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query = $1 AND datname = current_database() AND application_name <> 'fireline-test-listener'`,
		`LISTEN "`+sqlstore.ChangesChannelFor(schema)+`"`).Scan(&cut); err != nil || cut != 2 {
		t.Fatalf("cut %d listeners (%v), want 2", cut, err)
	}
	if c := gotB.next(t, "after the cut"); !c.Refresh {
		t.Fatalf("after the listener's connection was cut: %+v, want a refresh", c)
	}
	waitListening(t, r, sqlstore.ChangesChannelFor(schema), 2) // A's is back too
	if _, err := a.incidents.Act(as(alex), inc.ID, fireline.Action{Kind: fireline.ActAcknowledge}); err != nil {
		t.Fatal(err)
	}
	for {
		c := gotB.next(t, "replica B after reconnecting")
		if c.Refresh {
			continue
		}
		if c.Seq != 3 {
			t.Fatalf("replica B published %+v", c)
		}
		break
	}
}

// waitListening waits until n of the replicas' connections (not the
// test's own listener) have run LISTEN on channel: until then a commit's
// notification may reach fewer replicas than the test expects.
func waitListening(t *testing.T, db *sql.DB, channel string, n int) {
	t.Helper()
	firelinetest.Eventually(t, 10*time.Second, func() error {
		var got int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE query = $1 AND datname = current_database() AND application_name <> 'fireline-test-listener'`,
			`LISTEN "`+channel+`"`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			return fmt.Errorf("%d replicas listen on %s, want %d", got, channel, n)
		}
		return nil
	})
}

// listen LISTENs on channel on a connection of its own and returns a
// function that counts the notifications heard so far.
func listen(t *testing.T, dsn, channel string) func() int {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = "fireline-test-listener"
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `LISTEN "`+channel+`"`); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := conn.WaitForNotification(ctx); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	t.Cleanup(func() { cancel(); <-done; conn.Close(context.Background()) })
	return func() int { return int(n.Load()) }
}
