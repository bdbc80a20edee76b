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

// TestReportOpenMisses: open incidents past a clock count as missed in
// the period of their day of declaration (by day and by week) and, by
// service, in each of their services; one not yet past a clock counts in
// neither; a restricted one only for admins.
func TestReportOpenMisses(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		clock := firelinetest.NewClock(start) // Monday 2 March, 10:00 New York
		db := openDB(t, dsn, clock, sqlstore.Options{Planner: noWork})
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		p := policy.Default()
		incidents, reports := sqlstore.NewIncidentService(db, p), sqlstore.NewReportService(db, p)
		declare := func(sev fireline.Severity, source fireline.Source, services ...string) {
			if _, err := incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: "Gateway down", Severity: sev, Source: source, Services: services}); err != nil {
				t.Fatal(err)
			}
		}
		declare(fireline.P2, "", "api-gateway", "auth-service")
		clock.Advance(8 * 24 * time.Hour) // the next week
		declare(fireline.P2, "", "api-gateway")
		declare(fireline.P2, fireline.SourceSecurity, "api-gateway")
		clock.Advance(10 * time.Hour) // all three past respond and resolve
		declare(fireline.P4, "", "api-gateway")

		f := fireline.ReportFilter{From: start, To: start.Add(14 * 24 * time.Hour)}
		for _, tc := range []struct {
			who             fireline.Actor
			period          string
			gateway, weekP2 int64
		}{{blake, fireline.PeriodWeek, 2, 1}, {blake, fireline.PeriodDay, 2, 0}, {admin, fireline.PeriodWeek, 3, 2}} {
			f.Period = tc.period
			r, err := reports.Report(as(tc.who), f)
			if err != nil {
				t.Fatal(err)
			}
			missed := func(figs []fireline.ReportFigures, key string) int64 {
				for _, fg := range figs {
					if fg.Key == key {
						return fg.SLA[0].Missed // respond
					}
				}
				return -1
			}
			if got := missed(r.Services, "api-gateway"); got != tc.gateway {
				t.Errorf("%s by %s: api-gateway respond missed %d, want %d", tc.who.PersonID, tc.period, got, tc.gateway)
			}
			if got := missed(r.Services, "auth-service"); got != 1 {
				t.Errorf("%s by %s: auth-service respond missed %d, want 1", tc.who.PersonID, tc.period, got)
			}
			if got := missed(r.Periods[0].Severities, "P2"); got != 1 {
				t.Errorf("%s by %s: first period's P2 missed %d, want 1", tc.who.PersonID, tc.period, got)
			}
			if tc.period == fireline.PeriodWeek {
				if got := missed(r.Periods[1].Severities, "P2"); got != tc.weekP2 {
					t.Errorf("%s: second week's P2 missed %d, want %d", tc.who.PersonID, got, tc.weekP2)
				}
			}
			if got := missed(r.Severities, "P4"); got != 0 {
				t.Errorf("%s by %s: P4 (not yet due) missed %d", tc.who.PersonID, tc.period, got)
			}
		}
	})
}
