package main

import (
	"encoding/json"
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

// TestEscalationStepMeetsEscalateBy: the step that pages the severity's
// required level (a P2's Engineering Lead) is the incident's escalation
// (EscalatedAt, the escalate-by clock met), set through its
// escalation_step event, so an export still verifies; the primary, the
// secondary and the on-call step below it are not. An acknowledgement
// does not cancel that duty, and `incident escalate --to` pages for real,
// meeting the clock only at or above the required level.
func TestEscalationStepMeetsEscalateBy(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		show := func(id string) fireline.Incident {
			var inc fireline.Incident
			p.cliJSON(t, tok, &inc, "incident", "show", id)
			return inc
		}
		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 75*time.Minute) // the secondary (1h), the on-call step (1h15)
		if inc := show(id); inc.EscalatedAt != nil {
			t.Fatalf("escalated below the required level: %v", inc.EscalatedAt)
		}
		p.advance(t, 30*time.Minute) // the lead
		inc := show(id)
		if want := businessHours.Add(105 * time.Minute); inc.EscalatedAt == nil || !inc.EscalatedAt.Equal(want) {
			t.Fatalf("escalated_at = %v, want %s", inc.EscalatedAt, want)
		}
		if inc.EscalateBy == nil || inc.Breaches.Escalate {
			t.Fatalf("escalate-by %v, breaches %+v", inc.EscalateBy, inc.Breaches)
		}
		p.advance(t, 30*time.Minute) // the repeat: the first escalation stays
		if again := show(id); !again.EscalatedAt.Equal(*inc.EscalatedAt) {
			t.Fatalf("escalated_at moved to %v", again.EscalatedAt)
		}
		file := filepath.Join(t.TempDir(), "x.json")
		p.mustCLI(t, tok, "incident", "export", id, "-f", file)
		p.mustCLI(t, tok, "incident", "verify", file)
		p.mustCLI(t, tok, "incident", "resolve", id)

		// Escalating by hand pages whom it names, at once. Below the
		// required level (the VP of Product is in no chain of a P2) it is
		// a page but not the escalation; the chain's second step is.
		id2 := p.declare(t, tok, fireline.P2)
		p.advance(t, 10*time.Minute)
		before := p.paged()
		p.mustCLI(t, tok, "incident", "escalate", id2, "--to", "harper", "--note", "product call")
		p.advance(t, 0) // the delivery
		if got := p.paged(); got["harper"] != before["harper"]+1 || show(id2).EscalatedAt != nil {
			t.Fatalf("escalate --to harper: paged %v, escalated %v", got, show(id2).EscalatedAt)
		}
		p.mustCLI(t, tok, "incident", "escalate", id2, "--to", "technical:2")
		p.advance(t, 0)
		if got := p.paged(); got["casey"] != before["casey"]+1 {
			t.Fatalf("escalate --to technical:2 did not page the Engineering Lead: %v", got)
		}
		if inc := show(id2); inc.EscalatedAt == nil || !inc.EscalatedAt.Equal(p.clock.Now()) || inc.Breaches.Escalate {
			t.Fatalf("escalate --to technical:2: escalated %v, breaches %+v", inc.EscalatedAt, inc.Breaches)
		}
		var log struct{ Events []*fireline.Event }
		p.cliJSON(t, tok, &log, "incident", "log", id2)
		var byHand []fireline.EscalationStepData
		for _, e := range log.Events {
			var d fireline.EscalationStepData
			if e.Type == fireline.EventEscalationStep && json.Unmarshal(e.Data, &d) == nil && d.By != "" {
				byHand = append(byHand, d)
			}
		}
		if len(byHand) != 2 || byHand[0].By != "casey" || byHand[0].Escalates || !byHand[1].Escalates {
			t.Fatalf("escalation steps asked for by hand: %+v", byHand)
		}
		r := p.cli(t, tok, "incident", "escalate", id2, "--to", "the database team")
		if r.code == 0 || !strings.Contains(r.stderr, "CHAIN:N") {
			t.Fatalf("escalate --to free text: exit %d %s", r.code, r.stderr)
		}
		file2 := filepath.Join(t.TempDir(), "y.json")
		p.mustCLI(t, tok, "incident", "export", id2, "-f", file2)
		p.mustCLI(t, tok, "incident", "verify", file2)
	})
}

// TestRestrictedPagesCarryOnlyALink: people paged for a restricted
// incident become its members (on its timeline), so their pages carry its
// title and they can open it; pages to team contacts, which are not
// members, carry its id and links, never its title or description.
func TestRestrictedPagesCarryOnlyALink(t *testing.T) {
	t.Parallel()
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
		p.advance(t, 105*time.Minute) // secondary, the on-call step (with the team contact), the lead (casey, the declarer)
		got := p.paged()
		if got["mail:"+primary+"@berrys.ai"] != 2 || got[secondary] != 2 || got["mail:oncall@berrys.ai"] != 1 || got["casey"] != 1 {
			t.Fatalf("paged %v", got)
		}
		leaks := func(s string) bool { return strings.Contains(s, "CANARY") }
		for _, h := range p.sink.Hooks() {
			if h.Data["incident"] != inc.ID || !strings.HasSuffix(h.Data["url"].(string), "/incidents/"+inc.ID) {
				t.Fatalf("page without the incident's id and console link: %s", h.Raw)
			}
			if h.Data["title"] != title {
				t.Fatalf("a paged member's page lacks the title: %s", h.Raw)
			}
			if leaks(strings.ReplaceAll(string(h.Raw), title, "")) {
				t.Fatalf("the description was sent: %s", h.Raw)
			}
		}
		for _, m := range p.smtp.Mail() {
			team := m.To[0] == "oncall@berrys.ai"
			if team && (leaks(m.Subject) || leaks(m.Body)) {
				t.Fatalf("email to the team contact leaks: %s\n%s", m.Subject, m.Body)
			}
			if !team && !strings.Contains(m.Subject, title) {
				t.Fatalf("email to member %v lacks the title: %s", m.To, m.Subject)
			}
			if leaks(strings.ReplaceAll(m.Body, title, "")) || !strings.Contains(m.Body, "/incidents/"+inc.ID) {
				t.Fatalf("email to %v: the description, or no link: %s", m.To, m.Body)
			}
		}
		var log struct{ Events []*fireline.Event }
		p.cliJSON(t, tok, &log, "incident", "log", inc.ID)
		var joined []string
		for _, e := range log.Events {
			var d fireline.MemberAddedData
			if e.Type == fireline.EventMemberAdded && json.Unmarshal(e.Data, &d) == nil && e.Actor == "automation:pager" {
				joined = append(joined, d.Person)
			}
		}
		if !slices.Equal(joined, []string{primary, secondary}) {
			t.Fatalf("members added by the pager: %v", joined)
		}
	})
}

// TestCalendarFeeds: `oncall feed` prints a secret URL that serves a
// schedule's or a person's shifts as iCalendar, overrides included; the
// feed parses back with an iCalendar library; a forged URL is a 404.
// `oncall swap` makes the two overrides of a swap.
func TestCalendarFeeds(t *testing.T) {
	t.Parallel()
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
