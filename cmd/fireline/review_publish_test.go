package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestPublicPostmortem: an approved review of an incident on the public
// status page is published as a postmortem the incident's history links
// (its summary, the fix and monitoring items' titles, nobody's name);
// before approval it is refused (409) and the page has none; a viewer
// cannot publish; a restricted incident's is refused and never appears;
// taken down, the page is 404 again. Both databases.
func TestPublicPostmortem(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p)
		p.mustCLI(t, casey, "incident", "public-update", "INC-1", "--status", "resolved", "--component", "api-gateway=operational")
		p.mustCLI(t, casey, "incident", "approve-update", "INC-1", "1")
		p.mustCLI(t, casey, "review", "edit", "INC-1", "--summary", "The API gateway returned errors for two hours after a deploy.",
			"--impact", "About half of API requests failed.", "--went-well", "Casey rolled back fast.")
		for _, it := range [][]string{{"Alert on an empty upstream pool", "monitoring"}, {"Make deploy 4711's config change safe", "fix"},
			{"Teach Alex the rollback runbook", "fix"}, {"Rewrite the on-call handbook", "process"}} {
			p.mustCLI(t, casey, "action", "add", "INC-1", "--title", it[0], "--owner", "alex", "--deadline", "2026-12-20T17:00:00-05:00", "--kind", it[1])
		}

		if code, _, body := p.request(t, http.MethodPost, "/api/v1/incidents/INC-1/review/publish", casey, ""); code != http.StatusConflict ||
			!strings.Contains(string(body), "not approved") {
			t.Fatalf("publishing before approval: %d %s", code, body)
		}
		history := func() string {
			code, _, body := p.request(t, http.MethodGet, "/status/history", "", "")
			if code != http.StatusOK {
				t.Fatalf("history: %d", code)
			}
			return string(body)
		}
		if strings.Contains(history(), "/postmortem") {
			t.Fatal("the history links a postmortem before any was published")
		}
		// The draft judges the public updates against the cadence.
		var r web.ReviewView
		p.cliJSON(t, casey, &r, "review", "show", "INC-1")
		if c := r.Comms; c == nil || c.Sent != 1 || c.Expected < 1 || !strings.Contains(r.Markdown, "## Communication cadence") {
			t.Errorf("comms compliance %+v in\n%s", c, r.Markdown)
		}
		if out := p.mustCLI(t, casey, "review", "show", "INC-1"); !strings.Contains(out, "public updates: ") {
			t.Errorf("review show:\n%s", out)
		}
		p.mustCLI(t, casey, "review", "approve", "INC-1")
		viewer := p.newToken(t, "viewer", "finley")
		if res := p.cli(t, viewer, "review", "publish", "INC-1"); res.code == 0 {
			t.Error("a viewer published the postmortem")
		}
		if res := p.cli(t, casey, "review", "publish", "INC-1", "--summary", "Alex forgot to scale the pool."); res.code == 0 || !strings.Contains(res.stderr, "public_summary") {
			t.Errorf("a summary naming Alex: exit %d, %s", res.code, res.stderr)
		}
		out := p.mustCLI(t, casey, "review", "publish", "INC-1")
		if !strings.Contains(out, "postmortem published by casey") {
			t.Errorf("review publish printed:\n%s", out)
		}

		link := regexp.MustCompile(`/status/incidents/[a-z0-9]+/postmortem`).FindString(history())
		if link == "" {
			t.Fatalf("the history links no postmortem:\n%s", history())
		}
		code, _, body := p.request(t, http.MethodGet, link, "", "")
		pm := string(body)
		if code != http.StatusOK {
			t.Fatalf("postmortem page: %d %s", code, body)
		}
		for _, want := range []string{"The API gateway returned errors for two hours after a deploy.", "About half of API requests failed.",
			"Alert on an empty upstream pool", "Make deploy 4711&#39;s config change safe"} {
			if !strings.Contains(pm, want) {
				t.Errorf("the postmortem lacks %q:\n%s", want, pm)
			}
		}
		for _, never := range []string{"Alex", "alex", "Casey", "casey", "rolled back fast", "on-call handbook"} {
			if strings.Contains(pm, never) {
				t.Errorf("the public postmortem shows %q:\n%s", never, pm)
			}
		}
		if types := p.timelineTypes(t, "INC-1"); types[fireline.EventReviewPublished] != 1 {
			t.Errorf("timeline: %v", types)
		}

		// A restricted incident's postmortem is refused and never shows.
		id := restrictedReviewed(t, p, casey)
		if code, _, body := p.request(t, http.MethodPost, "/api/v1/incidents/"+id+"/review/publish", adminSecret, ""); code != http.StatusConflict {
			t.Errorf("publishing a restricted incident's postmortem: %d %s", code, body)
		}
		if h := history(); strings.Count(h, "/postmortem") != 1 || strings.Contains(h, "Secret breach") {
			t.Errorf("the history after the restricted incident:\n%s", h)
		}

		// The console's approval card: the postmortem's link, the
		// cadence card, a refused summary shown on the page, taking it down.
		sess := p.session(t, "responder", "casey")
		page := readBody(t, p.console(t, http.MethodGet, "/incidents/INC-1/review", sess, nil))
		for _, want := range []string{`id="postmortem-link"`, link, `id="publish-review"`, `id="unpublish-review"`, `id="comms-cadence"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the review page lacks %q", want)
			}
		}
		if resp := p.console(t, http.MethodPost, "/incidents/INC-1/review/publish", sess, url.Values{"public_summary": {"Casey caused it."}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(readBody(t, resp), "a public postmortem names nobody") {
			t.Errorf("a summary naming Casey from the console: %d", resp.StatusCode)
		}
		if resp := p.console(t, http.MethodPost, "/incidents/INC-1/review/publish", sess, url.Values{"unpublish": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("taking it down from the console: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if code, _, _ := p.request(t, http.MethodGet, link, "", ""); code != http.StatusNotFound {
			t.Errorf("the postmortem taken down: %d", code)
		}
		p.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
	})
}

// restrictedReviewed declares a restricted P1 with casey commanding, a
// public update approved if the policy lets one be, resolves it and
// approves its review; it returns its id.
func restrictedReviewed(t *testing.T, p *pagingServer, casey string) string {
	t.Helper()
	var inc fireline.Incident
	p.cliJSON(t, casey, &inc, "incident", "declare", "--title", "Secret breach", "--severity", "P1", "--service", "api-gateway", "--restricted")
	p.mustCLI(t, casey, "incident", "assign", inc.ID, "--role", "incident_commander", "--person", "casey")
	p.cli(t, casey, "incident", "public-update", inc.ID, "--status", "investigating")
	p.cli(t, casey, "incident", "approve-update", inc.ID, "1")
	p.mustCLI(t, casey, "incident", "resolve", inc.ID)
	p.mustCLI(t, casey, "review", "edit", inc.ID, "--summary", "Secret breach contained.")
	p.mustCLI(t, casey, "review", "approve", inc.ID)
	var r web.ReviewView
	p.cliJSON(t, casey, &r, "review", "show", inc.ID)
	if r.Review.Status != fireline.ReviewApproved {
		t.Fatalf("restricted review: %+v", r.Review)
	}
	return inc.ID
}
