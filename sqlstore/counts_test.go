package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestCountsKeptAsIncidentsChange: the counts kept as incidents change
// (docs/adr/0054) are at every step what counting every incident gives,
// for an admin, a member of the restricted incidents, a viewer who is not
// one and an automation token: through declarations, intake, every status
// change, severity changes, a member added, unanswered walks and clocks
// breached as time passes, and on PostgreSQL after the periodic job folds
// the changes in.
func TestCountsKeptAsIncidentsChange(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		check := func(step string) {
			t.Helper()
			for _, a := range []fireline.Actor{admin, alex, blake, ingest} {
				got, err := e.incidents.CountIncidents(as(a))
				if err != nil {
					t.Fatalf("%s: counts as %s: %v", step, a.Name(), err)
				}
				sameJSON(t, step+": counts as "+a.Name(), got, referenceCounts(t, e, a))
			}
		}
		check("empty")
		e.declare(t, alex, fireline.DeclareInput{Severity: fireline.P1})                                   // INC-1
		e.declare(t, alex, fireline.DeclareInput{Severity: fireline.P2})                                   // INC-2
		e.declare(t, alex, fireline.DeclareInput{Severity: fireline.P1, Source: fireline.SourceSecurity})  // INC-3, restricted, alex a member
		e.declare(t, admin, fireline.DeclareInput{Severity: fireline.P3, Source: fireline.SourceSecurity}) // INC-4, restricted, alex no member
		check("declared")
		e.act(t, alex, "INC-1", fireline.Action{Kind: fireline.ActAcknowledge})
		e.act(t, alex, "INC-3", fireline.Action{Kind: fireline.ActResolve, Text: "rotated"})
		e.act(t, alex, "INC-2", fireline.Action{Kind: fireline.ActChangeSeverity, Severity: fireline.P1, Reason: "worse"})
		check("acted")
		e.clock.Advance(3 * time.Hour) // past P1's respond and escalate clocks
		check("clocks breached")
		if c := referenceCounts(t, e, admin); c[2].Breached[fireline.ClockRespond] != 1 || c[0].Breached[fireline.ClockEscalate] != 1 {
			t.Fatalf("want breaches to count: %+v", c)
		}
		e.act(t, alex, "INC-3", fireline.Action{Kind: fireline.ActReopen, Reason: "again"})
		e.act(t, admin, "INC-4", fireline.Action{Kind: fireline.ActAddMember, Person: "blake"})
		e.act(t, alex, "INC-1", fireline.Action{Kind: fireline.ActResolve})
		check("reopened, member added")
		pg := sqlstore.NewPagingStore(e.db, policy.Default())
		err := pg.IncidentTx(noContext, 2, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
			return tx.Record(noContext, fireline.Change{Type: fireline.EventUnanswered, Data: &fireline.UnansweredData{Epoch: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		check("unanswered")
		if c := referenceCounts(t, e, blake); !slices.ContainsFunc(c, func(c fireline.IncidentCount) bool { return c.Unanswered == 1 }) {
			t.Fatalf("nothing unanswered to count: %+v", c)
		}
		intake := sqlstore.NewIntakeService(e.db, policy.Default(), sqlstore.IntakeOptions{})
		t.Cleanup(func() { intake.Close() })
		integ, err := sqlstore.NewIntegrationService(e.db, policy.Default()).CreateIntegration(as(admin),
			fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "api-gateway"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := intake.IntegrationByKey(noContext, integ.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := intake.Ingest(noContext, in, []fireline.AlertInput{trigger("a"), trigger("b")}); err != nil {
			t.Fatal(err)
		}
		check("intake")
		if _, err := e.db.RefreshStatistics(context.Background()); err != nil { // folds the changes in (PostgreSQL)
			t.Fatal(err)
		}
		var changes int
		if err := raw(t, dsn).QueryRow("SELECT COUNT(*) FROM incident_count_changes").Scan(&changes); err != nil || changes != 0 {
			t.Fatalf("after the fold: %d changes left (%v)", changes, err)
		}
		check("folded")
	})
}

// referenceCounts counts every visible incident, as Fireline did before
// it kept counts.
func referenceCounts(t *testing.T, e *env, a fireline.Actor) []fireline.IncidentCount {
	t.Helper()
	now := e.clock.Now().Add(-fireline.ClockTolerance).UnixMicro()
	rows, err := raw(t, e.dsn).Query(`SELECT i.severity, i.status, COUNT(*),
		SUM(CASE WHEN i.unanswered_at IS NOT NULL AND i.status = 'triggered' THEN 1 ELSE 0 END),
		SUM(CASE WHEN i.status = 'triggered' AND i.respond_by < $1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN i.status IN ('triggered', 'acknowledged') AND i.escalated_at IS NULL AND i.escalate_by < $1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN i.status IN ('triggered', 'acknowledged') AND i.resolve_by < $1 THEN 1 ELSE 0 END)
		FROM incidents i WHERE (i.restricted = FALSE OR $2 OR EXISTS (
			SELECT 1 FROM incident_members m WHERE m.incident_number = i.number AND m.person_id = $3))
		GROUP BY i.severity, i.status ORDER BY i.severity, i.status`, now, a.Role == fireline.RoleAdmin, a.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []fireline.IncidentCount{}
	for rows.Next() {
		var c fireline.IncidentCount
		var respond, escalate, resolve int64
		if err := rows.Scan(&c.Severity, &c.Status, &c.Count, &c.Unanswered, &respond, &escalate, &resolve); err != nil {
			t.Fatal(err)
		}
		if c.Status.Open() {
			c.Breached = map[fireline.ClockName]int64{fireline.ClockRespond: respond, fireline.ClockEscalate: escalate, fireline.ClockResolve: resolve}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUpgradeIndexesWhatWasThere: a database with incidents from before
// migration 00011 searches and counts them after it: the full-text index
// is built from them and the counts are counted from them once.
func TestUpgradeIndexesWhatWasThere(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := firelinetest.NewClock(start)
		db := openDB(t, dsn, clock, sqlstore.Options{Planner: noWork})
		// The incidents are declared by today's code, which writes
		// tables of later migrations, and then the schema is rolled back
		// to before migration 00011, as it was when they were there.
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		old := sqlstore.NewIncidentService(db, policy.Default())
		for _, in := range []fireline.DeclareInput{
			{Title: "Störung im Checkout", Severity: fireline.P1},
			{Title: "Queue backlog", Severity: fireline.P3, Description: "checkout waits"},
			{Title: "Leaked checkout key", Severity: fireline.P1, Source: fireline.SourceSecurity},
		} {
			if _, err := old.DeclareIncident(as(alex), in); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.MigrateDownTo(ctx, 10); err != nil {
			t.Fatal(err)
		}
		// Resolved as that schema left it (no kept counts to follow).
		if _, err := db.Writer().Exec("UPDATE incidents SET status = 'resolved', resolved_at = declared_at WHERE number = 2"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		e := &env{dsn: dsn, db: db, clock: clock, incidents: sqlstore.NewIncidentService(db, policy.Default())}
		for _, a := range []fireline.Actor{admin, blake} {
			got, err := e.incidents.CountIncidents(as(a))
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "counts after the upgrade as "+a.Name(), got, referenceCounts(t, e, a))
		}
		page, err := e.incidents.FindIncidents(as(blake), fireline.IncidentFilter{Text: "CHECKOUT"})
		if err != nil || !equal(numbers(page.Incidents), []int64{2, 1}) {
			t.Fatalf("search after the upgrade: %v %v", numbers(page.Incidents), err)
		}
		checkSearchIndex(t, dsn)
	})
}
