package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestReportSumsKeptAndBackfilled: the sums the triggers keep as
// incidents, reviews and items change (declared, acknowledged, mitigated,
// reclassified, given services, resolved, reopened; a review opened; an
// item added and done) equal those migration 00019 computes afresh from
// the rows, on both databases, for an admin and for a viewer; PostgreSQL's
// changes fold in without changing them.
func TestReportSumsKeptAndBackfilled(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := firelinetest.NewClock(start)
		db := openDB(t, dsn, clock, sqlstore.Options{Planner: noWork})
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		p := policy.Default()
		incidents, reports := sqlstore.NewIncidentService(db, p), sqlstore.NewReportService(db, p)
		seedReportHistory(t, clock, incidents)
		filter := fireline.ReportFilter{From: start.Add(-24 * time.Hour), To: start.Add(20 * 24 * time.Hour), Period: fireline.PeriodDay}
		read := func(a fireline.Actor) *fireline.Report {
			r, err := reports.Report(as(a), filter)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		kept, keptViewer := read(admin), read(blake)
		if kept.Totals.Incidents != 4 || keptViewer.Totals.Incidents != 3 || kept.Items.Created != 1 || kept.Items.Done != 1 || kept.Reviews.Due == 0 {
			t.Fatalf("kept: %+v %+v %+v; viewer %d", kept.Totals, kept.Items, kept.Reviews, keptViewer.Totals.Incidents)
		}
		if _, err := db.RefreshStatistics(ctx); err != nil { // folds PostgreSQL's changes
			t.Fatal(err)
		}
		sameJSON(t, "after folding", read(admin), kept)
		if err := db.MigrateDownTo(ctx, 15); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "backfilled, as an admin", read(admin), kept)
		sameJSON(t, "backfilled, as a viewer", read(blake), keptViewer)
	})
}

// seedReportHistory acts out four incidents over a few days.
func seedReportHistory(t *testing.T, clock *firelinetest.Clock, s *sqlstore.IncidentService) {
	t.Helper()
	declare := func(in fireline.DeclareInput) string {
		inc, err := s.DeclareIncident(as(alex), in)
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	act := func(id string, a fireline.Action) {
		if _, err := s.Act(as(alex), id, a); err != nil {
			t.Fatalf("%s %s: %v", id, a.Kind, err)
		}
	}
	one := declare(fireline.DeclareInput{Title: "Checkout down", Severity: fireline.P2, Services: []string{"api-gateway", "auth-service"}})
	clock.Advance(4 * time.Minute)
	act(one, fireline.Action{Kind: fireline.ActAcknowledge})
	clock.Advance(30 * time.Minute)
	act(one, fireline.Action{Kind: fireline.ActAddNote, NoteKind: fireline.NoteMitigation, Text: "rolled back"})
	act(one, fireline.Action{Kind: fireline.ActChangeSeverity, Severity: fireline.P1, Reason: "all regions"})
	clock.Advance(2 * time.Hour)
	act(one, fireline.Action{Kind: fireline.ActResolve, Text: "fixed"})
	deadline := clock.Now().Add(72 * time.Hour)
	kind, title, owner := fireline.ActionItemKind("fix"), "Add a canary", "alex"
	act(one, fireline.Action{Kind: fireline.ActAddActionItem, Item: &fireline.ActionItemInput{Title: &title, Owner: &owner, Deadline: &deadline, Kind: &kind}})
	clock.Advance(24 * time.Hour)
	act(one, fireline.Action{Kind: fireline.ActUpdateActionItem, Item: &fireline.ActionItemInput{Number: 1, Status: fireline.ItemDone}})

	two := declare(fireline.DeclareInput{Title: "Search slow", Severity: fireline.P3})
	act(two, fireline.Action{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{Services: []string{"planning-system"}}})
	clock.Advance(10 * time.Hour)
	act(two, fireline.Action{Kind: fireline.ActResolve, Text: "cache warmed"})
	act(two, fireline.Action{Kind: fireline.ActReopen, Reason: "slow again"})
	declare(fireline.DeclareInput{Title: "Leaked key", Severity: fireline.P2, Source: fireline.SourceSecurity, Services: []string{"api-gateway"}})
	clock.Advance(3 * 24 * time.Hour)
	declare(fireline.DeclareInput{Title: "Queue backlog", Severity: fireline.P4})
	clock.Advance(time.Hour)
}
