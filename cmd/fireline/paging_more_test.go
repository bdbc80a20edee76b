package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestEscalationStepMeetsEscalateBy: a chain step that pages someone is
// the incident's escalation (EscalatedAt, the escalate-by clock met), set
// through its escalation_step event, so an export still verifies; the
// primary and secondary alone are not an escalation.
func TestEscalationStepMeetsEscalateBy(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		show := func(id string) fireline.Incident {
			var inc fireline.Incident
			p.cliJSON(t, tok, &inc, "incident", "show", id)
			return inc
		}
		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		p.advance(t, time.Hour) // the secondary
		if inc := show(id); inc.EscalatedAt != nil {
			t.Fatalf("escalated by the primary and secondary alone: %v", inc.EscalatedAt)
		}
		p.advance(t, 15*time.Minute) // the chain's on-call step
		inc := show(id)
		if want := businessHours.Add(75 * time.Minute); inc.EscalatedAt == nil || !inc.EscalatedAt.Equal(want) {
			t.Fatalf("escalated_at = %v, want %s", inc.EscalatedAt, want)
		}
		if inc.EscalateBy == nil || inc.Breaches.Escalate {
			t.Fatalf("escalate-by %v, breaches %+v", inc.EscalateBy, inc.Breaches)
		}
		p.advance(t, 30*time.Minute) // the lead: the first escalation stays
		if again := show(id); !again.EscalatedAt.Equal(*inc.EscalatedAt) {
			t.Fatalf("escalated_at moved to %v", again.EscalatedAt)
		}
		file := filepath.Join(t.TempDir(), "x.json")
		p.mustCLI(t, tok, "incident", "export", id, "-f", file)
		p.mustCLI(t, tok, "incident", "verify", file)

		// Acknowledged before the chain: never escalated, and the clock
		// breaches once escalate-by passes unresolved.
		id2 := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		p.mustCLI(t, tok, "incident", "ack", id2)
		p.advance(t, 3*time.Hour)
		if inc := show(id2); inc.EscalatedAt != nil || !inc.Breaches.Escalate {
			t.Fatalf("acknowledged incident: escalated_at %v, breaches %+v", inc.EscalatedAt, inc.Breaches)
		}
	})
}

// TestRestrictedPagesCarryOnlyALink: pages about a restricted incident to
// people who are not its members (by webhook, and by email after the
// webhook fails for good) and to team contacts carry its id and links,
// never its title or description; a member's page has the title.
func TestRestrictedPagesCarryOnlyALink(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		const title, desc = "CANARY-TITLE payroll export leak", "CANARY-DESC bucket public"
		var inc fireline.Incident
		p.cliJSON(t, tok, &inc, "incident", "declare", "--title", title, "--description", desc, "--severity", "P2",
			"--service", "api-gateway", "--restricted")
		// The primary's webhook is gone (410): the page falls back to email.
		p.sink.Respond(func(path string) (int, string) {
			if path == "/p/"+primary {
				return http.StatusGone, ""
			}
			return 0, ""
		})
		p.advance(t, 0)
		p.advance(t, 0)
		p.advance(t, 105*time.Minute) // secondary, the on-call step (both again and the team contact), the lead (casey, a member)
		got := p.paged()
		if got["mail:"+primary+"@berrys.ai"] != 2 || got[secondary] != 2 || got["mail:oncall@berrys.ai"] != 1 || got["casey"] != 1 {
			t.Fatalf("paged %v", got)
		}
		leaks := func(s string) bool { return strings.Contains(s, "CANARY") }
		for _, h := range p.sink.Hooks() {
			member := h.Path == "/p/casey"
			if h.Data["incident"] != inc.ID || !strings.Contains(h.Data["url"].(string), inc.ID) {
				t.Fatalf("page without the incident's id and link: %s", h.Raw)
			}
			if !member && (leaks(string(h.Raw)) || h.Data["title"] != nil) {
				t.Fatalf("webhook to non-member %s leaks: %s", h.Path, h.Raw)
			}
			if member && h.Data["title"] != title {
				t.Fatalf("member's page lacks the title: %s", h.Raw)
			}
			if leaks(strings.ReplaceAll(string(h.Raw), title, "")) {
				t.Fatalf("the description was sent: %s", h.Raw)
			}
		}
		for _, m := range p.smtp.Mail() {
			if leaks(m.Subject) || leaks(m.Body) || leaks(strings.Join(m.Header["Subject"], "")) {
				t.Fatalf("email to %v leaks: %s\n%s", m.To, m.Subject, m.Body)
			}
			if !strings.Contains(m.Body, inc.ID) || !strings.Contains(m.Body, "/api/v1/incidents/"+inc.ID) {
				t.Fatalf("email to %v lacks the id and link: %s", m.To, m.Body)
			}
		}
	})
}

// TestCalendarFeeds: `oncall feed` prints a secret URL that serves a
// schedule's or a person's shifts as iCalendar, overrides included; the
// feed parses back with an iCalendar library; a forged URL is a 404.
// `oncall swap` makes the two overrides of a swap.
func TestCalendarFeeds(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		viewer := p.newToken(t, "viewer", "jordan")
		// Week of 2026-11-30: blake primary, alex secondary. A swap:
		// casey covers blake's Wednesday, blake takes Friday back.
		wed := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
		fri := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
		var swap []fireline.Override
		p.cliJSON(t, tok, &swap, "oncall", "swap", "--schedule", "engineering", "--user", primary, "--with", "casey",
			"--from", wed.Format(time.RFC3339), "--to", wed.Add(24*time.Hour).Format(time.RFC3339),
			"--back-from", fri.Format(time.RFC3339), "--back-to", fri.Add(8*time.Hour).Format(time.RFC3339))
		if len(swap) != 2 || swap[0].Person != "casey" || swap[1].Person != primary {
			t.Fatalf("swap: %+v", swap)
		}
		if r := p.cli(t, tok, "oncall", "swap", "--schedule", "engineering", "--user", primary, "--with", "nobody",
			"--from", "1h", "--to", "2h", "--back-from", "3h", "--back-to", "4h"); r.code == 0 {
			t.Fatalf("swap with an unknown person: %+v", r)
		}

		get := func(u string) (int, string, string) {
			code, hdr, body := p.request(t, "GET", strings.TrimPrefix(u, p.URL()), "", "")
			return code, hdr.Get("Content-Type"), string(body)
		}
		schedURL := strings.TrimSpace(p.mustCLI(t, viewer, "oncall", "feed", "--schedule", "engineering"))
		personURL := strings.TrimSpace(p.mustCLI(t, viewer, "oncall", "feed", "--person", "casey"))
		if !strings.HasPrefix(schedURL, p.URL()+"/feeds/") || !strings.HasSuffix(schedURL, ".ics") || schedURL == personURL {
			t.Fatalf("feed URLs %q %q", schedURL, personURL)
		}
		if r := p.cli(t, viewer, "oncall", "feed", "--schedule", "nope"); r.code == 0 {
			t.Fatalf("feed of an unknown schedule: %+v", r)
		}

		code, ctype, body := get(schedURL)
		if code != 200 || !strings.HasPrefix(ctype, "text/calendar") {
			t.Fatalf("schedule feed: %d %s %s", code, ctype, body)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("parse the schedule feed: %v\n%s", err, body)
		}
		type ev struct {
			summary    string
			start, end time.Time
		}
		events := func(c *ics.Calendar) []ev {
			var out []ev
			uids := map[string]bool{}
			for _, e := range c.Events() {
				s, err1 := e.GetStartAt()
				en, err2 := e.GetEndAt()
				if err1 != nil || err2 != nil || !en.After(s) {
					t.Fatalf("event %s: %v %v", e.Id(), err1, err2)
				}
				if uids[e.Id()] {
					t.Fatalf("duplicate UID %s", e.Id())
				}
				uids[e.Id()] = true
				out = append(out, ev{e.GetProperty(ics.ComponentPropertySummary).Value, s.UTC(), en.UTC()})
			}
			return out
		}
		covering := func(evs []ev, at time.Time) []string {
			var out []string
			for _, e := range evs {
				if !at.Before(e.start) && at.Before(e.end) {
					out = append(out, e.summary)
				}
			}
			slices.Sort(out)
			return out
		}
		sched := events(cal)
		if len(sched) < 20 {
			t.Fatalf("schedule feed has %d events", len(sched))
		}
		if got := fmt.Sprint(covering(sched, businessHours)); got != "[primary: "+primary+" secondary: "+secondary+"]" {
			t.Fatalf("on call at %s per the feed: %s", businessHours, got)
		}
		if got := fmt.Sprint(covering(sched, wed.Add(time.Hour))); got != "[primary: casey secondary: "+secondary+"]" {
			t.Fatalf("the swap's first half per the feed: %s", got)
		}
		if last := sched[len(sched)-1]; last.end.Before(businessHours.Add(80 * 24 * time.Hour)) {
			t.Fatalf("the feed ends at %s", last.end)
		}

		code, _, body = get(personURL)
		pcal, err := ics.ParseCalendar(strings.NewReader(body))
		if code != 200 || err != nil {
			t.Fatalf("person feed: %d %v %s", code, err, body)
		}
		mine := events(pcal)
		if got := fmt.Sprint(covering(mine, wed.Add(time.Hour))); got != "[On call: engineering, primary]" {
			t.Fatalf("casey's feed on Wednesday: %s (%v)", got, mine)
		}
		if got := covering(mine, fri.Add(time.Hour)); len(got) != 0 {
			t.Fatalf("casey's feed during blake's cover: %v", got)
		}
		for _, e := range mine {
			if !strings.HasPrefix(e.summary, "On call: ") {
				t.Fatalf("someone else's shift in casey's feed: %+v", e)
			}
		}

		forged := schedURL[:len(schedURL)-6] + "xx.ics"
		if code, _, _ := get(forged); code != 404 {
			t.Fatalf("forged feed URL: %d", code)
		}
		ack := strings.Replace(schedURL, "/feeds/", "/ack/", 1)
		if code, _, _ := get(strings.TrimSuffix(ack, ".ics")); code != 404 {
			t.Fatalf("a feed token used as an acknowledge link: %d", code)
		}
	})
}
