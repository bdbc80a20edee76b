package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestUnansweredP1 leaves an alert's P1 unacknowledged for two hours: it
// is paged at once (one page per person, though the on-call are in
// several of its steps), repeated every 15 minutes 4 times to the on-call
// and the technical chain only, then marked unanswered and left alone: no
// page more. A new alert on it starts the walk again; a repeat of a known
// one does not.
func TestUnansweredP1(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		am := p.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		post := func(key string) {
			t.Helper()
			code, _, body := p.request(t, "POST", "/integrations/generic", am.Key,
				`{"summary":"API gateway down","dedup_key":"`+key+`","severity":"critical"}`)
			if code != http.StatusAccepted && code != http.StatusOK {
				t.Fatalf("alert %s: %d %s", key, code, body)
			}
		}
		post("gw-1")
		p.advance(t, 0)
		once := map[string]int{primary: 1, secondary: 1, "mail:oncall@berrys.ai": 1, "mail:management@berrys.ai": 1,
			"casey": 1, "devon": 1, "emery": 1, "finley": 1, "gray": 1, "harper": 1, "indigo": 1}
		p.expectPaged(t, "at once", once)
		// Each repeat: the on-call, the on-call line and the technical
		// chain; never management or the business chain again.
		technical := []string{primary, secondary, "mail:oncall@berrys.ai", "casey", "devon", "emery"}
		for k := 1; k <= 4; k++ {
			p.advance(t, 15*time.Minute)
			for _, who := range technical {
				once[who]++
			}
			p.expectPaged(t, fmt.Sprintf("repeat %d", k), once)
		}
		post("gw-2") // a new alert while the walk goes on joins silently
		p.advance(t, 0)
		p.expectPaged(t, "an alert joining a walking incident", once)
		var inc fireline.Incident
		p.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.UnansweredAt != nil {
			t.Fatal("unanswered before the last repeat had its time")
		}
		p.advance(t, 15*time.Minute) // 75 min: the walk has ended
		p.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.UnansweredAt == nil || !inc.UnansweredAt.Equal(businessHours.Add(75*time.Minute)) {
			t.Fatalf("unanswered at %v, want +75m", inc.UnansweredAt)
		}
		// /metrics: unanswered, past its respond clock (5 minutes), and a
		// breach recorded by the engine; escalate-by was met at once.
		m := p.metrics(t)
		if metricValue(m, `fireline_unanswered_incidents{severity="P1"}`) != "1" ||
			metricValue(m, `fireline_breached_incidents{clock="respond",severity="P1"}`) != "1" ||
			metricValue(m, `fireline_breached_incidents{clock="escalate",severity="P1"}`) != "0" ||
			metricValue(m, `fireline_clock_marks_total{clock="respond",mark="breached",severity="P1"}`) != "1" {
			t.Errorf("/metrics:\n%s", grepLines(m, "unanswered")+"\n"+grepLines(m, "breached")+"\n"+grepLines(m, "clock_marks"))
		}
		p.advance(t, 45*time.Minute) // two hours in all
		p.expectPaged(t, "two hours: nothing after the walk ended", once)

		// A repeat of a known alert adds nothing; a new one (within the
		// group window of the last, 1h) starts the walk again: everyone
		// its immediate steps page, once each.
		post("gw-1")
		p.advance(t, 0)
		p.expectPaged(t, "a repeated alert", once)
		post("gw-3")
		p.advance(t, 0)
		for who := range once {
			once[who]++
		}
		p.expectPaged(t, "a new alert on the unanswered incident", once)
		p.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.UnansweredAt != nil {
			t.Fatalf("still unanswered after the new walk began: %v", inc.UnansweredAt)
		}
	})
}

// TestPagedPrimaryWorksRestrictedIncident: the primary paged for a
// security incident (restricted) becomes a member, so the link in the
// page opens it and they can act on it; the security team's contact is
// told; and a person given a role by someone else is told, with the link.
func TestPagedPrimaryWorksRestrictedIncident(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		kai := p.newToken(t, "responder", "kai")
		var inc fireline.Incident
		p.cliJSON(t, kai, &inc, "incident", "declare", "--title", "Credential stuffing on login", "--severity", "P2",
			"--source", "security", "--service", "auth-service")
		p.advance(t, 0)
		if !inc.Restricted {
			t.Fatal("a security incident is not restricted")
		}
		if got := p.paged(); got[primary] != 1 || got["mail:security@berrys.ai"] != 1 {
			t.Fatalf("paged %v: want the primary and the security team", got)
		}
		page := p.sink.To("/p/" + primary)[0]
		if page.Data["title"] != "Credential stuffing on login" || !strings.HasSuffix(fmt.Sprint(page.Data["url"]), "/incidents/"+inc.ID) {
			t.Fatalf("the primary's page: %s", page.Raw)
		}
		// The acknowledge page names what is acknowledged.
		ack := strings.TrimPrefix(fmt.Sprint(page.Data["ack_url"]), p.URL())
		if code, _, body := p.request(t, "GET", ack, "", ""); code != 200 || !strings.Contains(string(body), "Credential stuffing on login") ||
			!strings.Contains(string(body), "P2") {
			t.Fatalf("ack page: %d %s", code, body)
		}
		if code, _, _ := p.request(t, "POST", ack, "", ""); code != 200 {
			t.Fatalf("ack: %d", code)
		}
		blake := p.newToken(t, "responder", primary)
		var seen fireline.Incident
		p.cliJSON(t, blake, &seen, "incident", "show", inc.ID)
		if seen.AcknowledgedAt == nil || !seen.HasMember(primary) {
			t.Fatalf("the paged primary sees %+v", seen)
		}
		p.mustCLI(t, blake, "incident", "note", inc.ID, "blocked the source range", "--kind", "mitigation_step")
		// A role given by someone else is told to its holder, who joins.
		p.mustCLI(t, blake, "incident", "assign", inc.ID, "--role", "incident_commander", "--person", "devon")
		p.advance(t, 0)
		told := p.sink.To("/p/devon")
		if len(told) != 1 || told[0].Data["type"] != "incident.notification" || !strings.Contains(fmt.Sprint(told[0].Data["step"]), "Incident Commander") ||
			told[0].Data["title"] != "Credential stuffing on login" {
			t.Fatalf("the new commander was told: %+v", told)
		}
		// Taking a role yourself tells nobody.
		p.mustCLI(t, kai, "incident", "assign", inc.ID, "--role", "sme", "--person", "kai")
		p.advance(t, 0)
		if got := len(p.sink.To("/p/kai")); got != 0 {
			t.Fatalf("kai was told of their own assignment: %d", got)
		}
	})
}

// TestPagesKeepTrying: a page whose endpoints are down keeps trying every
// contact method in turn, with backoff, until the walk's next step: an
// endpoint back after 10 minutes gets it, once, under the message id it
// had from the start. One down for longer than the page may be retried
// is given up on, on the timeline, and `incident page` sends it again
// once the endpoint is fixed.
func TestPagesKeepTrying(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		down := true
		p.sink.Respond(func(path string) (int, string) {
			if down && path == "/p/"+primary {
				return http.StatusServiceUnavailable, ""
			}
			return 0, ""
		})
		p.smtp.Fail(1000) // the fallback email too
		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 10*time.Minute)
		if got := p.paged()[primary]; got != 0 {
			t.Fatalf("paged while down: %v", p.paged())
		}
		down = false
		p.smtp.Fail(0)
		p.advance(t, 5*time.Minute) // the next round (at most 5 minutes apart)
		hooks := p.sink.To("/p/" + primary)
		if len(hooks) != 1 || p.paged()["mail:"+primary+"@berrys.ai"] != 0 {
			t.Fatalf("after the endpoint came back: %d webhooks, paged %v", len(hooks), p.paged())
		}
		types := p.timelineTypes(t, id)
		if types[fireline.EventPageFailed] < 6 || types[fireline.EventPageSent] != 1 {
			t.Fatalf("timeline: %v", types)
		}
		p.mustCLI(t, tok, "incident", "resolve", id)

		// Down for longer than the page may be retried: until the
		// secondary's step at 1h, then it is given up on.
		down = true
		p.smtp.Fail(1000)
		start := p.clock.Now()
		id2 := p.declare(t, tok, fireline.P2)
		p.advance(t, 59*time.Minute)
		p.advance(t, 2*time.Minute)
		var log struct{ Events []*fireline.Event }
		p.cliJSON(t, tok, &log, "incident", "log", id2)
		gaveUp := 0
		for _, e := range log.Events {
			var d fireline.PageAttemptData
			if e.Type == fireline.EventPageFailed && json.Unmarshal(e.Data, &d) == nil && d.GaveUp && d.Recipient.Person == primary {
				gaveUp++
				if e.At.After(start.Add(time.Hour)) {
					t.Errorf("gave up at %s, after the walk's next step", e.At)
				}
			}
		}
		if gaveUp != 1 {
			t.Fatalf("gave up on the primary %d times", gaveUp)
		}
		down = false
		p.smtp.Fail(0)
		before := len(p.sink.To("/p/" + primary))
		p.mustCLI(t, tok, "incident", "page", id2, "--person", primary)
		p.advance(t, 0)
		if got := len(p.sink.To("/p/" + primary)); got != before+1 {
			t.Fatalf("incident page --person: %d webhooks, want %d", got, before+1)
		}
		if r := p.cli(t, tok, "incident", "page", id2, "--step", "40"); r.code == 0 || !strings.Contains(r.stderr, "step") {
			t.Fatalf("page --step 40: exit %d %s", r.code, r.stderr)
		}
	})
}
