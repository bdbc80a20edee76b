package sqlstore_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestIngestOnceAcceptsOneCopy: copies of one signed request sent at once
// (on PostgreSQL through two intakes, as two replicas) store their alerts
// once; the others are refused EConflict.
func TestIngestOnceAcceptsOneCopy(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGrafana)
		intakes := []*sqlstore.IntakeService{e.intake}
		if strings.HasPrefix(dsn, "postgres") {
			other := sqlstore.NewIntakeService(openDB(t, dsn, e.clock, sqlstore.Options{Planner: noWork}), policy.Default(), sqlstore.IntakeOptions{})
			t.Cleanup(func() { other.Close() })
			intakes = append(intakes, other)
		}
		req := fireline.SignedRequest{Digest: fireline.SignatureDigest(e.integ.ID, []byte("mac-1")), ExpiresAt: e.clock.Now().Add(5 * time.Minute)}
		const copies = 8
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			accepted int
		)
		for i := range copies {
			wg.Go(func() {
				_, err := intakes[i%len(intakes)].IngestOnce(noContext, e.integ, req, []fireline.AlertInput{trigger("once")})
				mu.Lock()
				defer mu.Unlock()
				switch fireline.ErrorCode(err) {
				case "":
					accepted++
				case fireline.EConflict:
				default:
					t.Errorf("copy: %v", err)
				}
			})
		}
		wg.Wait()
		if accepted != 1 {
			t.Fatalf("%d of %d copies accepted, want 1", accepted, copies)
		}
		var count int64
		if err := raw(t, dsn).QueryRow("SELECT count FROM alerts WHERE dedup_key = 'once'").Scan(&count); err != nil || count != 1 {
			t.Fatalf("alert count %d (%v), want 1: a refused copy counted as a repeat", count, err)
		}
	})
}

// TestSeenSignaturesAreSwept: a signature is forgotten a minute after it
// stops verifying, by the next signed request.
func TestSeenSignaturesAreSwept(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGrafana)
		signed := func(mac string) error {
			req := fireline.SignedRequest{Digest: fireline.SignatureDigest(e.integ.ID, []byte(mac)), ExpiresAt: e.clock.Now().Add(5 * time.Minute)}
			_, err := e.intake.IngestOnce(noContext, e.integ, req, []fireline.AlertInput{trigger(mac)})
			return err
		}
		rows := func() (n int) {
			t.Helper()
			if err := raw(t, dsn).QueryRow("SELECT COUNT(*) FROM seen_signatures").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := signed("a"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(5*time.Minute + 59*time.Second)
		if err := signed("b"); err != nil || rows() != 2 {
			t.Fatalf("before the margin: %v, %d rows, want 2", err, rows())
		}
		e.clock.Advance(2 * time.Second)
		if err := signed("c"); err != nil || rows() != 2 {
			t.Fatalf("past the margin: %v, %d rows, want 2 (a swept)", err, rows())
		}
	})
}
