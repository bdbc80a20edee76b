package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/engine"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestGuideReview: the guide's review owner (devon) records the quarterly
// review with a note; the next due date moves on three months from the
// day; the history and the agenda (the quarter's incidents by severity,
// open action items) show in the CLI, the API and the console's guide
// page; anyone else is refused, and an empty note is refused naming it.
func TestGuideReview(t *testing.T) {
	t.Parallel()
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

// TestGuideReviewNotices: the daily check emails the guide's review owner
// (devon) 14 days and 1 day before the policy's next_due (2027-01-01),
// then the day after it passes; recording the review moves the next
// reminders on (none in the following days).
func TestGuideReviewNotices(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours) // Tuesday 1 December 2026
		// The daily check, as StartPeriodic queues it (without the other
		// periodic jobs, which would run thousands of times in 40 days).
		err := p.paging.engine.Store.JobTx(context.Background(), func(tx engine.JobTx) error {
			return tx.Enqueue(context.Background(), fireline.Job{Kind: engine.KindGuideReview, Key: engine.KindGuideReview, Group: "periodic", RunAt: tx.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		subjects := func() []string {
			var out []string
			for _, m := range p.mailsOf("guide.review", "devon@berrys.ai") {
				out = append(out, m.Header.Get("Subject"))
			}
			return out
		}
		p.advance(t, 32*24*time.Hour) // to 2 January 2027
		want := []string{
			"The incident response guide's review is due on 2027-01-01",
			"The incident response guide's review is due on 2027-01-01",
			"The incident response guide's review is overdue (due 2027-01-01)",
		}
		if got := subjects(); !slices.Equal(got, want) {
			t.Fatalf("notices:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		p.mustCLI(t, p.newToken(t, "responder", "devon"), "policy", "review", "--note", "done late")
		p.advance(t, 8*24*time.Hour)
		if got := subjects(); len(got) != 3 {
			t.Errorf("after the review was recorded: %d notices, want still 3: %v", len(got), got)
		}
	})
}

// TestGuideReviewNoticesInSlack: where Slack is connected, the guide's
// review owner (devon) is also told by a direct message, as the guide
// asks ("email, Slack where connected"), on the same days as the emails.
func TestGuideReviewNoticesInSlack(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlackServer(t, dsn) // Tuesday 1 December 2026
		err := s.paging.engine.Store.JobTx(context.Background(), func(tx engine.JobTx) error {
			return tx.Enqueue(context.Background(), fireline.Job{Kind: engine.KindGuideReview, Key: engine.KindGuideReview, Group: "periodic", RunAt: tx.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		s.advance(t, 32*24*time.Hour) // to 2 January 2027
		dm, ok := s.slack.Channel(s.users["devon"])
		if !ok {
			t.Fatalf("no direct message to devon (%s); channels: %+v", s.users["devon"], s.slack.Channels())
		}
		var got []string
		for _, m := range dm.Messages {
			got = append(got, m.Text)
		}
		if len(got) != 3 || !strings.Contains(got[0], "review is due on 2027-01-01") || !strings.Contains(got[2], "overdue (due 2027-01-01)") ||
			!strings.Contains(got[2], "/guide#guide-review") {
			t.Fatalf("direct messages to devon:\n%s", strings.Join(got, "\n---\n"))
		}
		if n := len(s.mailsOf("guide.review", "devon@berrys.ai")); n != 3 {
			t.Errorf("%d emails beside the direct messages, want 3", n)
		}
	})
}
