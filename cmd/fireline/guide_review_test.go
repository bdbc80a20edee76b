package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestGuideReview: the guide's review owner (devon) records the quarterly
// review with a note; the next due date moves on three months from the
// day; the history and the agenda (the quarter's incidents by severity,
// open action items) show in the CLI, the API and the console's guide
// page; anyone else is refused, and an empty note is refused naming it.
func TestGuideReview(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p)
		p.mustCLI(t, casey, "action", "add", "INC-1", "--title", "Add a canary", "--owner", "blake", "--deadline", "2026-12-10T17:00:00-05:00", "--kind", "fix")
		devon, viewer := p.newToken(t, "responder", "devon"), p.newToken(t, "viewer", "finley")

		var st fireline.GuideReviewStatus
		p.cliJSON(t, viewer, &st, "policy", "review")
		if st.Owner != "devon" || st.NextDue.String() != "2027-01-01" || st.Agenda == nil || len(st.Agenda.Severities) != 1 ||
			st.Agenda.Severities[0].Incidents != 1 || st.Agenda.OpenActionItems != 1 {
			t.Fatalf("before: %+v agenda %+v", st, st.Agenda)
		}
		if r := p.cli(t, casey, "policy", "review", "--note", "looked fine"); r.code == 0 || !strings.Contains(r.stderr, "review owner") {
			t.Errorf("casey records: exit %d %s", r.code, r.stderr)
		}
		if code, h, body := p.request(t, http.MethodPost, "/api/v1/guide/review", devon, `{"note":""}`); code != http.StatusBadRequest ||
			h.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"note"`) {
			t.Errorf("an empty note: %d %s", code, body)
		}
		out := p.mustCLI(t, devon, "policy", "review", "--note", "P1 resolve target tightened to 2h; chains unchanged")
		if !strings.Contains(out, "next due 2027-03-01") {
			t.Errorf("policy review --note printed %q", out)
		}
		p.cliJSON(t, viewer, &st, "policy", "review")
		if st.NextDue.String() != "2027-03-01" || st.LastReviewed.String() != "2026-12-01" || len(st.History) != 1 || st.History[0].By != "devon" {
			t.Errorf("after: %+v", st)
		}
		resp := p.console(t, http.MethodGet, "/guide", p.session(t, "viewer", "finley"), nil)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{`id="guide-history"`, "P1 resolve target tightened to 2h", "next due <strong>2027-03-01</strong>", `id="guide-agenda"`} {
			if !strings.Contains(string(page), want) {
				t.Errorf("guide page lacks %q", want)
			}
		}
	})
}
