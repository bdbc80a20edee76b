package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestReplicasStoreEachKeyOnce: two replicas on one PostgreSQL database
// receive the same new alerts at the same moment, each batch's writes
// pipelined with its COMMIT (docs/adr/0060). Every request is answered
// stored, not refused: the batch that meets the other's insert of a key at
// its commit runs again job by job and finds the alert. Each key is one
// open alert counted once per send, in one incident whose timeline
// verifies.
func TestReplicasStoreEachKeyOnce(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.PostgresDSN(t)
	a := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
	b := sqlstore.NewIntakeService(openDB(t, dsn, a.clock, sqlstore.Options{Planner: noWork}), policy.Default(), sqlstore.IntakeOptions{})
	t.Cleanup(func() { b.Close() })
	integB, err := b.IntegrationByKey(noContext, a.key)
	if err != nil {
		t.Fatal(err)
	}
	const keys, sends = 10, 10
	var wg sync.WaitGroup
	errs := make(chan error, keys*sends*2)
	for s := range sends {
		for k := range keys {
			for _, r := range []struct {
				intake fireline.IntakeService
				integ  *fireline.Integration
			}{{a.intake, a.integ}, {b, integB}} {
				wg.Go(func() {
					_, err := r.intake.Ingest(noContext, r.integ, []fireline.AlertInput{trigger(fmt.Sprintf("key-%d", k))})
					if err != nil {
						err = fmt.Errorf("send %d of key-%d: %w", s, k, err)
					}
					errs <- err
				})
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	page, err := sqlstore.NewAlertService(a.db).FindAlerts(as(admin), fireline.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Alerts) != keys {
		t.Fatalf("%d alerts stored for %d keys", len(page.Alerts), keys)
	}
	for _, al := range page.Alerts {
		if al.Count != 2*sends {
			t.Errorf("alert %s counted %d times, want %d", al.DedupKey, al.Count, 2*sends)
		}
	}
	if incidents := checkAllIncidents(t, a); len(incidents) != 1 {
		t.Fatalf("%d incidents, want the one of the alerts' group", len(incidents))
	}
}
