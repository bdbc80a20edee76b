package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

func TestFindIncidentsFilters(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		seed := []fireline.DeclareInput{
			{Title: "Gateway 502s", Severity: fireline.P1, Services: []string{"api-gateway"}, Description: "1000 errors"},             // 1
			{Title: "Slow agents", Severity: fireline.P2, Services: []string{"agent-orchestrator"}, Description: "see the dashboard"}, // 2
			{Title: "Model timeouts", Severity: fireline.P2, Services: []string{"model-orchestration", "api-gateway"}},                // 3
			{Title: "Console typo", Severity: fireline.P4, Description: "100% of users see it"},                                       // 4
			{Title: "Queue_depth alarm", Severity: fireline.P3, Description: "queue depth"},                                           // 5
			{Title: "GATEWAY config drift", Severity: fireline.P3, Services: []string{"api-gateway"}},                                 // 6
			{Title: "Leaked token", Severity: fireline.P1, Source: fireline.SourceSecurity, Services: []string{"api-gateway"}},        // 7, restricted
		}
		for _, in := range seed {
			e.declare(t, alex, in)
			e.clock.Advance(time.Hour)
		}
		e.act(t, alex, "INC-2", fireline.Action{Kind: fireline.ActAcknowledge})
		e.act(t, alex, "INC-3", fireline.Action{Kind: fireline.ActResolve})
		e.act(t, alex, "INC-4", fireline.Action{Kind: fireline.ActChangeStage, Stage: fireline.StageInvestigation})
		yes, no := true, false
		since, until := start.Add(2*time.Hour), start.Add(5*time.Hour)
		for _, c := range []struct {
			name string
			a    fireline.Actor
			f    fireline.IncidentFilter
			want []int64
		}{
			{"all", alex, fireline.IncidentFilter{}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"all, not a member", blake, fireline.IncidentFilter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"status", blake, fireline.IncidentFilter{Status: []fireline.Status{fireline.StatusAcknowledged, fireline.StatusResolved}}, []int64{3, 2}},
			{"severity", blake, fireline.IncidentFilter{Severity: []fireline.Severity{fireline.P1, fireline.P3}}, []int64{6, 5, 1}},
			{"service", blake, fireline.IncidentFilter{Service: "api-gateway"}, []int64{6, 3, 1}},
			{"service, admin", admin, fireline.IncidentFilter{Service: "api-gateway"}, []int64{7, 6, 3, 1}},
			{"open", blake, fireline.IncidentFilter{Open: &yes}, []int64{6, 5, 4, 2, 1}},
			{"not open", blake, fireline.IncidentFilter{Open: &no}, []int64{3}},
			{"text, any case", blake, fireline.IncidentFilter{Text: "gateway"}, []int64{6, 1}},
			{"text in description", blake, fireline.IncidentFilter{Text: "QUEUE DEPTH"}, []int64{5}},
			{"percent is literal", blake, fireline.IncidentFilter{Text: "100%"}, []int64{4}},
			{"underscore is literal", blake, fireline.IncidentFilter{Text: "e_d"}, []int64{5}},
			{"since and until", blake, fireline.IncidentFilter{Since: &since, Until: &until}, []int64{5, 4, 3}},
			{"combined", blake, fireline.IncidentFilter{Severity: []fireline.Severity{fireline.P2}, Open: &yes}, []int64{2}},
			{"stage", blake, fireline.IncidentFilter{Stage: fireline.StageInvestigation}, []int64{4}},
			{"open and closed statuses", blake, fireline.IncidentFilter{Status: []fireline.Status{fireline.StatusClosed, fireline.StatusResolved}}, []int64{3}},
			{"unanswered", admin, fireline.IncidentFilter{Unanswered: true}, []int64{}},
		} {
			page, err := e.incidents.FindIncidents(as(c.a), c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := numbers(page.Incidents); !equal(got, c.want) || page.NextCursor != "" {
				t.Errorf("%s: got %v (next %q), want %v", c.name, got, page.NextCursor, c.want)
			}
		}
		checkPagination(t, e)
	})
}

func checkPagination(t *testing.T, e *env) {
	t.Helper()
	var got []int64
	f := fireline.IncidentFilter{Limit: 2}
	for pages := 0; ; pages++ {
		page, err := e.incidents.FindIncidents(as(blake), f)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		got = append(got, numbers(page.Incidents)...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if !equal(got, []int64{6, 5, 4, 3, 2, 1}) {
		t.Fatalf("paged: %v", got)
	}
	for _, f := range []fireline.IncidentFilter{
		{Cursor: "not-a-cursor"}, {Cursor: "bjA"}, {Limit: -1}, {Limit: fireline.MaxPageSize + 1},
		{Status: []fireline.Status{"asleep"}}, {Severity: []fireline.Severity{"P0"}}, {Stage: "napping"},
	} {
		_, err := e.incidents.FindIncidents(as(blake), f)
		wantCode(t, err, fireline.EInvalid)
	}
	page, err := e.incidents.FindIncidents(as(blake), fireline.IncidentFilter{Limit: fireline.MaxPageSize})
	if err != nil || len(page.Incidents) != 6 {
		t.Fatalf("largest page: %v", err)
	}
}

func numbers(incs []*fireline.Incident) []int64 {
	out := []int64{}
	for _, inc := range incs {
		out = append(out, inc.Number)
	}
	return out
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFindIncidentsTextFoldsEveryLetter: text search ignores case beyond
// ASCII too ("STÖRUNG" finds "Störung"; SQLite's own LOWER would not).
func TestFindIncidentsTextFoldsEveryLetter(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.declare(t, alex, fireline.DeclareInput{Title: "Störung im Zahlungsverkehr", Severity: fireline.P2})
		e.declare(t, alex, fireline.DeclareInput{Title: "Checkout down", Severity: fireline.P2, Description: "ÉCHEC des paiements"})
		for text, want := range map[string][]int64{"STÖRUNG": {1}, "störung": {1}, "échec": {2}, "Zahlungs": {1}} {
			page, err := e.incidents.FindIncidents(as(alex), fireline.IncidentFilter{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(page.Incidents); !equal(got, want) {
				t.Errorf("search %q: got %v, want %v", text, got, want)
			}
		}
	})
}
