package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// findAlerts returns the alerts of the intake's integration with key, newest
// first, as the alert list shows them.
func findAlerts(t *testing.T, e *intakeEnv, key string) []*fireline.Alert {
	t.Helper()
	page, err := sqlstore.NewAlertService(e.db).FindAlerts(as(admin), fireline.AlertFilter{Integration: e.integ.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []*fireline.Alert
	for _, a := range page.Alerts {
		if a.DedupKey == key {
			out = append(out, a)
		}
	}
	return out
}

// TestRepeatsAreCountedBeforeTheyAreRead: repeats of an open alert,
// answered from what intake has committed (docs/adr/0038), are all counted
// by the time anyone lists the alert, with the last one's time.
func TestRepeatsAreCountedBeforeTheyAreRead(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		first, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("disk-full")})
		if err != nil || first[0].Outcome != fireline.OutcomeCreated {
			t.Fatalf("first: %+v %v", first, err)
		}
		e.clock.Advance(time.Minute)
		const repeats = 200
		requests := make([][]fireline.AlertInput, repeats)
		for i := range requests {
			requests[i] = []fireline.AlertInput{trigger("disk-full")}
		}
		results, errs := ingestConcurrently(t, e, requests)
		for i, r := range results {
			if errs[i] != nil || r[0].Outcome != fireline.OutcomeDeduplicated || r[0].AlertID != first[0].AlertID || r[0].Incident != first[0].Incident {
				t.Fatalf("repeat %d: %+v %v", i, r, errs[i])
			}
		}
		got := findAlerts(t, e, "disk-full")
		if len(got) != 1 || got[0].Count != repeats+1 || !got[0].LastSeenAt.Equal(e.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("alerts %+v, want one counted %d, last seen %s", got, repeats+1, e.clock.Now())
		}
	})
}

// TestTriggerAfterResolutionIsNotARepeat: once a resolution is answered, a
// trigger of the same key opens a new alert, however recently the old one
// was repeated; and a resolution racing repeats never leaves two open.
func TestTriggerAfterResolutionIsNotARepeat(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		resolve := func(key string) fireline.AlertInput {
			return fireline.AlertInput{Action: fireline.AlertResolve, DedupKey: key}
		}
		// Other keys keep the batcher busy, so that resolutions and repeats
		// share batches with unrelated work.
		stop := make(chan struct{})
		var noise sync.WaitGroup
		for w := range 4 {
			noise.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("noise-%d-%d", w, i%8)
					if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger(key)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		stopNoise := sync.OnceFunc(func() { close(stop); noise.Wait() })
		defer stopNoise()
		seen := map[int64]bool{}
		for round := range 30 {
			r, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("flappy")})
			if err != nil || r[0].Outcome != fireline.OutcomeCreated || seen[r[0].AlertID] {
				t.Fatalf("round %d: trigger after resolution: %+v %v", round, r, err)
			}
			seen[r[0].AlertID] = true
			for range 3 {
				if r, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("flappy")}); err != nil || r[0].Outcome != fireline.OutcomeDeduplicated {
					t.Fatalf("round %d: repeat %+v %v", round, r, err)
				}
			}
			// A resolution with repeats racing it: each repeat is either
			// counted on the alert being resolved or opens the next one.
			var racing sync.WaitGroup
			for range 4 {
				racing.Go(func() {
					if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("flappy")}); err != nil {
						t.Error(err)
					}
				})
			}
			if r, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{resolve("flappy")}); err != nil || r[0].Outcome != fireline.OutcomeResolved {
				t.Fatalf("round %d: resolve %+v %v", round, r, err)
			}
			racing.Wait()
			// Whatever the race left open is resolved before the next round.
			if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{resolve("flappy")}); err != nil {
				t.Fatal(err)
			}
		}
		stopNoise()
		for _, a := range findAlerts(t, e, "flappy") {
			if a.Status != fireline.AlertResolved {
				t.Errorf("alert #%d is %s after its resolution", a.ID, a.Status)
			}
		}
	})
}

// TestRepeatsAnsweredBeforeStopAreKept: repeats answered just before intake
// stops are counted in the database when it has stopped.
func TestRepeatsAnsweredBeforeStopAreKept(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("cpu-hot")}); err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("cpu-hot")}); err != nil {
				t.Fatal(err)
			}
		}
		e.intake.Close()
		var count int64
		if err := raw(t, e.dsn).QueryRow("SELECT count FROM alerts WHERE dedup_key = 'cpu-hot'").Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != 11 {
			t.Fatalf("count %d after stop, want 11", count)
		}
		// A new intake over the same database still deduplicates: by the
		// unique index, with nothing remembered.
		again := sqlstore.NewIntakeService(e.db, policy.Default(), sqlstore.IntakeOptions{})
		defer again.Close()
		r, err := again.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("cpu-hot")})
		if err != nil || r[0].Outcome != fireline.OutcomeDeduplicated {
			t.Fatalf("after restart: %+v %v", r, err)
		}
		if got := findAlerts(t, &intakeEnv{env: e.env, intake: again, integ: e.integ}, "cpu-hot"); len(got) != 1 || got[0].Count != 12 {
			t.Fatalf("after restart: %+v", got)
		}
	})
}
