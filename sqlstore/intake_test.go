package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// intakeEnv is a store with intake and one integration.
type intakeEnv struct {
	*env
	intake *sqlstore.IntakeService
	integ  *fireline.Integration
	key    string
}

func newIntakeEnv(t testing.TB, dsn string, typ fireline.IntegrationType) *intakeEnv {
	t.Helper()
	return newIntakeEnvWith(t, dsn, typ, sqlstore.Options{Planner: noWork})
}

func newIntakeEnvWith(t testing.TB, dsn string, typ fireline.IntegrationType, opts sqlstore.Options) *intakeEnv {
	t.Helper()
	e := &intakeEnv{env: newEnvWith(t, dsn, opts)}
	p := policy.Default()
	e.intake = sqlstore.NewIntakeService(e.db, p, sqlstore.IntakeOptions{})
	t.Cleanup(func() { e.intake.Close() })
	ci, err := sqlstore.NewIntegrationService(e.db, p).CreateIntegration(as(admin),
		fireline.IntegrationInput{Type: typ, Service: "api-gateway"})
	if err != nil {
		t.Fatal(err)
	}
	e.key = ci.Key
	if e.integ, err = e.intake.IntegrationByKey(noContext, ci.Key); err != nil {
		t.Fatal(err)
	}
	return e
}

func trigger(key string) fireline.AlertInput {
	return fireline.AlertInput{Action: fireline.AlertTrigger, DedupKey: key, Summary: "Alert " + key, Severity: "warning"}
}

// TestDedupIsEnforcedByTheDatabase: the unique index refuses a second
// open alert with the same key, whatever the code does; the same key is
// free to another integration; and no row can carry a ref other than its
// integration's, which would slip past the index (docs/adr/0042).
func TestDedupIsEnforcedByTheDatabase(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("k1")}); err != nil {
			t.Fatal(err)
		}
		other, err := sqlstore.NewIntegrationService(e.db, policy.Default()).CreateIntegration(as(admin),
			fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "api-gateway", Name: "second"})
		if err != nil {
			t.Fatal(err)
		}
		ref, otherRef := integrationRef(t, dsn, e.integ.ID), integrationRef(t, dsn, other.Integration.ID)
		if ref == otherRef {
			t.Fatalf("two integrations share ref %d", ref)
		}
		// SQLite enforces foreign keys on the connections that turn them
		// on, as every one of Fireline's does.
		db, err := raw(t, dsn).Conn(noContext)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if !strings.HasPrefix(dsn, "postgres") {
			if _, err := db.ExecContext(noContext, "PRAGMA foreign_keys = ON"); err != nil {
				t.Fatal(err)
			}
		}
		insert := func(integration, ref string) error {
			_, err := db.ExecContext(noContext, `INSERT INTO alerts (integration_id, integration_ref, service, dedup_key, status, summary, source, severity, labels,
				annotations, url, details, restricted, suppressed, count, first_seen_at, last_seen_at)
				VALUES ('`+integration+`', `+ref+`, 'api-gateway', 'k1', 'firing', 's', '', 'P3', '{}', '{}', '', '', FALSE, FALSE, 1, 0, 0)`)
			return err
		}
		if err := insert(e.integ.ID, fmt.Sprint(ref)); err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
			t.Fatalf("a second open alert with the same key: %v", err)
		}
		for _, wrong := range []string{fmt.Sprint(otherRef), "NULL", fmt.Sprint(otherRef + 1000)} {
			if err := insert(e.integ.ID, wrong); err == nil {
				t.Fatalf("an alert of integration ref %d stored with ref %s", ref, wrong)
			}
		}
		if err := insert(other.Integration.ID, fmt.Sprint(otherRef)); err != nil {
			t.Fatalf("the same key from another integration: %v", err)
		}
		if _, err := db.ExecContext(noContext, fmt.Sprintf("UPDATE alerts SET integration_ref = %d WHERE integration_ref = %d", ref, otherRef)); err == nil {
			t.Fatal("an alert moved to another integration's ref")
		}
		if _, err := db.ExecContext(noContext, fmt.Sprintf("UPDATE integrations SET ref = %d WHERE ref = %d", otherRef+1000, ref)); err == nil {
			t.Fatal("an integration's ref changed under its alerts")
		}
		var open int
		if err := db.QueryRowContext(noContext, "SELECT COUNT(*) FROM alerts WHERE dedup_key = 'k1' AND resolved_at IS NULL").Scan(&open); err != nil || open != 2 {
			t.Fatalf("open alerts with key k1: %d %v, want 2 (one per integration)", open, err)
		}
	})
}

// TestGroupCommit: concurrent requests share transactions, each answered
// after its commit with its own result; duplicates in flight together
// still make one alert.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		var wg sync.WaitGroup
		results := make([][]fireline.AlertResult, 200)
		errs := make([]error, 200)
		for i := range 200 {
			wg.Go(func() {
				results[i], errs[i] = e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger(fmt.Sprintf("k%d", i%100))})
			})
		}
		wg.Wait()
		created, dup := 0, 0
		for i := range 200 {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			switch results[i][0].Outcome {
			case fireline.OutcomeCreated:
				created++
			case fireline.OutcomeDeduplicated:
				dup++
			}
		}
		if created != 100 || dup != 100 {
			t.Fatalf("created %d, deduplicated %d; want 100 and 100", created, dup)
		}
		page, err := sqlstore.NewAlertService(e.db).FindAlerts(as(admin), fireline.AlertFilter{Limit: 500})
		if err != nil || len(page.Alerts) != 100 {
			t.Fatalf("%d alerts stored (%v), want 100", len(page.Alerts), err)
		}
		incidents, _ := e.incidents.FindIncidents(as(admin), fireline.IncidentFilter{})
		if len(incidents.Incidents) != 1 {
			t.Fatalf("%d incidents, want 1 (grouped)", len(incidents.Incidents))
		}
		// The alerts a batch attached to the incident are one event each
		// batch (docs/adr/0035): together the attach events name every
		// alert exactly once.
		events, _ := e.incidents.Timeline(as(admin), incidents.Incidents[0].ID)
		named := map[int64]int{}
		for _, ev := range events {
			if ev.Type != fireline.EventAlertAttached {
				continue
			}
			var d fireline.AlertAttachedData
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				t.Fatal(err)
			}
			for _, id := range append([]int64{d.Alert}, d.MoreAlerts...) {
				named[id]++
			}
		}
		for _, a := range page.Alerts {
			if named[a.ID] != 1 {
				t.Errorf("alert %d is named by %d attach events, want 1", a.ID, named[a.ID])
			}
		}
		if len(named) != 100 || len(events) > 101 {
			t.Fatalf("%d alerts named by %d events, want 100 in at most declared + 100", len(named), len(events))
		}
		if _, err := fireline.Replay(events); err != nil {
			t.Fatalf("replay: %v", err)
		}
	})
}

// TestInvalidAlertFailsAlone: in a batch, an invalid alert is rejected and
// stores nothing, and the others commit.
func TestInvalidAlertFailsAlone(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		bad := trigger("bad")
		bad.Summary = strings.Repeat("x", 2000)
		res, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("a"), bad, trigger("b")})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != fireline.OutcomeCreated || res[1].Outcome != fireline.OutcomeRejected || res[2].Outcome != fireline.OutcomeCreated {
			t.Fatalf("results %+v", res)
		}
	})
}

// TestIntakeClose: after Close, intake answers EUnavailable instead of
// hanging, and work in flight finished first.
func TestIntakeClose(t *testing.T) {
	t.Parallel()
	e := newIntakeEnv(t, firelinetest.SQLiteDSN(t), fireline.IntegrationGeneric)
	if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("a")}); err != nil {
		t.Fatal(err)
	}
	e.intake.Close()
	ctx, cancel := context.WithTimeout(noContext, 5*time.Second)
	defer cancel()
	_, err := e.intake.Ingest(ctx, e.integ, []fireline.AlertInput{trigger("b")})
	wantCode(t, err, fireline.EUnavailable)
}

// TestWriterCacheHoldsAFullGroupCommit: the SQLite writer's page cache
// holds a page for every alert of a group commit at its default cap
// (each new hashed key dirties up to one dedup index leaf), so a storm's
// commit does not spill pages to the WAL mid-transaction and write them
// again at its end (docs/adr/0044).
func TestWriterCacheHoldsAFullGroupCommit(t *testing.T) {
	t.Parallel()
	db := openDB(t, firelinetest.SQLiteDSN(t), firelinetest.NewClock(start), sqlstore.Options{Planner: noWork})
	if err := db.Migrate(noContext); err != nil {
		t.Fatal(err)
	}
	var cache, page int64
	for name, v := range map[string]*int64{"cache_size": &cache, "page_size": &page} {
		s, err := db.WriterPragma(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Sscan(s, v); err != nil {
			t.Fatalf("%s %q: %v", name, s, err)
		}
	}
	// A negative cache_size is in KiB, a positive one in pages.
	bytes := cache * page
	if cache < 0 {
		bytes = -cache << 10
	}
	if want := int64(sqlstore.DefaultMaxBatch) * page; bytes < want {
		t.Fatalf("writer's cache holds %d bytes, want at least %d (%d alerts of %d-byte pages)", bytes, want, sqlstore.DefaultMaxBatch, page)
	}
}

// TestIntakeCheckpoints: intake's own commits checkpoint the SQLite WAL
// near 1,000 frames when no storm is queued, as the other writers' do
// (docs/adr/0045): sequential requests of 100 new alerts, scattered keys
// (about a frame each), keep the WAL file near that size.
func TestIntakeCheckpoints(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.SQLiteDSN(t)
	e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
	for i := range 50 {
		alerts := make([]fireline.AlertInput, 100)
		for j := range alerts {
			alerts[j] = trigger(fmt.Sprintf("%08x", uint32(i*100+j)*2654435761)) // scattered, as hashes are
		}
		if _, err := e.intake.Ingest(noContext, e.integ, alerts); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(dsn + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// 5,000 new alerts, ~2,000 frames; a commit of 100 logs up to ~150.
	frames := fi.Size() / (24 + 4096)
	t.Logf("WAL: %d frames", frames)
	if frames > 1000+2*150 {
		t.Fatalf("the WAL grew to %d frames under intake alone, want about 1,000", frames)
	}
}

// TestScheduleHeartbeats: a heartbeat integration has its check pending
// from its creation; one without (created before checks were jobs) gets
// it at start, once however often the server starts.
func TestScheduleHeartbeats(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationHeartbeat)
		pending := func() int {
			var n int
			if err := e.db.Reader().QueryRow("SELECT COUNT(*) FROM jobs WHERE kind = 'heartbeat.check' AND state = 'pending'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := pending(); n != 1 {
			t.Fatalf("%d checks pending after creation, want 1", n)
		}
		if _, err := e.db.Writer().Exec("DELETE FROM jobs WHERE kind = 'heartbeat.check'"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := e.intake.ScheduleHeartbeats(noContext); err != nil {
				t.Fatal(err)
			}
			if n := pending(); n != 1 {
				t.Fatalf("%d checks pending after scheduling, want 1", n)
			}
		}
	})
}
