package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// told counts the notifications one person received by webhook whose
// step names what.
func (p *pagingServer) told(person, what string) int {
	n := 0
	for _, h := range p.sink.To("/p/" + person) {
		if strings.Contains(fmt.Sprint(h.Data["step"]), what) {
			n++
		}
	}
	return n
}

func (p *pagingServer) obligations(t *testing.T, token, id string) []fireline.Obligation {
	t.Helper()
	var pu struct {
		Obligations []fireline.Obligation `json:"obligations"`
	}
	p.cliJSON(t, token, &pu, "incident", "public-updates", id)
	return pu.Obligations
}

// TestPublicUpdateCadenceBusinessHours walks a P2 in business hours on a
// manual clock: the first public update is due 15 minutes after the
// declaration by a person; the liaison and the commander are reminded 5
// minutes before; at the deadline the update is overdue and the Director
// of Engineering (the technical chain's step after P2's Engineering Lead)
// is told; published late, it is recorded late and the next is due an
// hour on; missed again, the incident resolves with it missed; compliance
// is in the API and /metrics.
func TestPublicUpdateCadenceBusinessHours(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		casey, jordan := p.newToken(t, "responder", "casey"), p.newToken(t, "responder", "jordan")
		id := p.declare(t, casey, fireline.P2)
		p.mustCLI(t, casey, "incident", "ack", id)
		p.mustCLI(t, casey, "incident", "assign", id, "--role", "incident_commander", "--person", "casey")
		p.mustCLI(t, casey, "incident", "assign", id, "--role", "communications_liaison", "--person", "jordan")
		if out := p.mustCLI(t, casey, "incident", "public-updates", id); !strings.Contains(out, "next public update due 2026-12-01 10:15 -05:00") {
			t.Fatalf("public-updates:\n%s", out)
		}
		p.advance(t, 10*time.Minute-time.Second)
		if p.told("jordan", "public update due") != 0 {
			t.Fatal("reminded before the reminder's time")
		}
		p.advance(t, time.Second)
		if p.told("jordan", "public update due") != 1 || p.told("casey", "public update due") != 1 {
			t.Fatalf("at 10:10 the liaison and the commander are reminded: jordan %d, casey %d", p.told("jordan", "public update due"), p.told("casey", "public update due"))
		}
		p.advance(t, 5*time.Minute)
		if p.told("devon", "public update missed") != 0 {
			t.Fatal("the Director was told before the deadline passed")
		}
		p.advance(t, time.Second)
		if p.told("devon", "public update missed") != 1 {
			t.Fatalf("at the deadline the Director of Engineering is told: %v", p.sink.To("/p/devon"))
		}
		types := p.timelineTypes(t, id)
		if types[fireline.EventUpdateDueSoon] != 1 || types[fireline.EventUpdateOverdue] != 1 {
			t.Fatalf("timeline: %v", types)
		}
		if o := p.obligations(t, casey, id); len(o) != 1 || o[0].Outcome != fireline.OutcomeOverdue {
			t.Fatalf("obligations: %+v", o)
		}
		p.advance(t, 5*time.Minute)
		p.mustCLI(t, jordan, "incident", "public-update", id, "--status", "identified")
		out := p.mustCLI(t, jordan, "incident", "approve-update", id, "1")
		if !strings.Contains(out, "next public update due 2026-12-01 11:20 -05:00") || !strings.Contains(out, "obligation due 2026-12-01 10:15 -05:00: late") {
			t.Fatalf("after a late update:\n%s", out)
		}
		p.advance(t, time.Hour+time.Second)
		if p.told("jordan", "public update due") != 2 || p.told("devon", "public update missed") != 2 {
			t.Fatalf("the hourly update: reminders %d, Director told %d", p.told("jordan", "public update due"), p.told("devon", "public update missed"))
		}
		p.mustCLI(t, casey, "incident", "resolve", id)
		o := p.obligations(t, casey, id)
		if len(o) != 2 || o[0].Outcome != fireline.OutcomeLate || o[1].Outcome != fireline.OutcomeMissed {
			t.Fatalf("obligations after resolution: %+v", o)
		}
		out = p.mustCLI(t, casey, "status", "compliance")
		if !strings.Contains(out, "P2        0        1     0        1       0%") {
			t.Fatalf("status compliance:\n%s", out)
		}
		code, _, body := p.request(t, "GET", "/metrics", casey, "")
		for _, want := range []string{`fireline_public_update_obligations{outcome="late",severity="P2"} 1`,
			`fireline_public_update_obligations{outcome="missed",severity="P2"} 1`,
			`fireline_clock_marks_total{clock="public_update",mark="breached",severity="P2"} 2`} {
			if code != http.StatusOK || !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Resolved: nothing more is due, nobody more is reminded.
		before := len(p.sink.Hooks())
		p.advance(t, 3*time.Hour)
		for _, h := range p.sink.Hooks()[before:] {
			if strings.Contains(fmt.Sprint(h.Data["step"]), "public update") {
				t.Errorf("after resolution: %v", h.Data)
			}
		}
		if !p.verify(t, casey, id) {
			t.Error("the stored timeline does not verify")
		}
	})
}

// nightTime is Saturday 2026-12-05 03:00 in New York: outside business
// hours (the cadence runs around the clock, as the guide's P1 response
// does).
var nightTime = time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)

// TestPublicUpdateCadenceNight: a P1 at night, raised by an alert (not
// confirmed until acknowledged), updated on time by its commander, then
// its hourly update missed: the CTO (P1's chain already reaches the
// Director, its last step but one) is told.
func TestPublicUpdateCadenceNight(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, nightTime)
		casey := p.newToken(t, "responder", "casey")
		var ci fireline.CreatedIntegration
		p.cliJSON(t, adminSecret, &ci, "integration", "create", "--type", "generic", "--service", "agent-orchestrator")
		code, _, body := p.request(t, "POST", "/integrations/generic", ci.Key,
			`{"summary":"Orchestrator down","severity":"critical","dedup_key":"orch","status":"firing"}`)
		if code >= 300 {
			t.Fatalf("alert: %d %s", code, body)
		}
		p.advance(t, 0)
		var list struct{ Incidents []*fireline.Incident }
		p.cliJSON(t, casey, &list, "incident", "list")
		if len(list.Incidents) != 1 || list.Incidents[0].Severity != fireline.P1 {
			t.Fatalf("incidents: %+v", list.Incidents)
		}
		id := list.Incidents[0].ID
		if out := p.mustCLI(t, casey, "incident", "public-updates", id); !strings.Contains(out, "no public update due") {
			t.Fatalf("an unconfirmed incident has an update due:\n%s", out)
		}
		p.advance(t, 3*time.Minute)
		p.mustCLI(t, casey, "incident", "ack", id)
		p.mustCLI(t, casey, "incident", "assign", id, "--role", "incident_commander", "--person", "casey")
		p.advance(t, 12*time.Minute)
		p.mustCLI(t, casey, "incident", "public-update", id, "--status", "investigating", "--component", "agent-orchestrator=major_outage")
		out := p.mustCLI(t, casey, "incident", "approve-update", id, "1")
		if !strings.Contains(out, "obligation due 2026-12-05 03:18 -05:00: on time") || !strings.Contains(out, "next public update due 2026-12-05 04:15 -05:00") {
			t.Fatalf("the first update at night:\n%s", out)
		}
		p.advance(t, time.Hour+time.Second)
		if p.told("emery", "public update missed") != 1 || p.told("casey", "public update due") != 2 { // reminded before each deadline
			t.Fatalf("the hourly update missed at night: CTO told %d, commander reminded %d", p.told("emery", "public update missed"), p.told("casey", "public update due"))
		}
		code, _, body = p.request(t, "GET", "/api/v2/summary.json", "", "")
		if code != 200 || !strings.Contains(string(body), `"status":"major_outage"`) || !strings.Contains(string(body), `"indicator":"major"`) {
			t.Fatalf("summary at night: %d %s", code, body)
		}
	})
}

// TestStakeholderNotices: a P1's initial notification goes by email to
// the management and communications contacts at declaration, and its
// resolution notification at resolution, threaded under the first
// (In-Reply-To and References), through real SMTP; a P3 tells nobody; a
// restricted incident's notice keeps its title from contacts.
func TestStakeholderNotices(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		casey := p.newToken(t, "responder", "casey")
		notices := func() map[string][]firelinetest.Mail {
			out := map[string][]firelinetest.Mail{}
			for _, m := range p.smtp.Mail() {
				if m.Header.Get("X-Fireline-Type") == "incident.stakeholder_notice" {
					out[m.To[0]] = append(out[m.To[0]], m)
				}
			}
			return out
		}
		id := p.declare(t, casey, fireline.P1)
		p.mustCLI(t, casey, "incident", "update", id, "--impact", "All API clients get 502s")
		p.advance(t, 0)
		got := notices()
		if len(got) != 2 || len(got["management@berrys.ai"]) != 1 || len(got["comms@berrys.ai"]) != 1 {
			t.Fatalf("initial notices: %v", got)
		}
		first := got["management@berrys.ai"][0]
		if first.MessageID == "" || first.Header.Get("In-Reply-To") != "" || !strings.HasPrefix(first.Subject, "[P1] "+id+" declared: API gateway 502s") ||
			!strings.Contains(first.Body, "Summary:") {
			t.Fatalf("initial notice: %+v", first)
		}
		p.advance(t, 30*time.Minute)
		p.mustCLI(t, casey, "incident", "resolve", id, "--summary", "rolled back")
		p.advance(t, 0)
		got = notices()
		for _, to := range []string{"management@berrys.ai", "comms@berrys.ai"} {
			if len(got[to]) != 2 {
				t.Fatalf("%s got %d notices, want the initial and the resolution", to, len(got[to]))
			}
			initial, resolution := got[to][0], got[to][1]
			if resolution.Header.Get("In-Reply-To") != initial.MessageID || resolution.Header.Get("References") != initial.MessageID ||
				resolution.MessageID == initial.MessageID || !strings.Contains(resolution.Subject, id+" resolved") {
				t.Errorf("%s: resolution %q In-Reply-To %q References %q, initial %q", to, resolution.Subject,
					resolution.Header.Get("In-Reply-To"), resolution.Header.Get("References"), initial.MessageID)
			}
		}
		if !strings.Contains(got["comms@berrys.ai"][1].Body, "has been resolved") {
			t.Errorf("resolution body:\n%s", got["comms@berrys.ai"][1].Body)
		}
		before := len(p.smtp.Mail())
		p3 := p.declare(t, casey, fireline.P3)
		p.advance(t, 0)
		p.mustCLI(t, casey, "incident", "resolve", p3)
		p.advance(t, 0)
		for _, m := range p.smtp.Mail()[before:] {
			if m.Header.Get("X-Fireline-Type") == "incident.stakeholder_notice" {
				t.Errorf("a P3 told the stakeholders: %s", m.Subject)
			}
		}
		var sec fireline.Incident
		p.cliJSON(t, casey, &sec, "incident", "declare", "--title", canaryRestricted, "--severity", "P1", "--source", "security", "--service", "api-gateway")
		p.advance(t, 0)
		for _, m := range p.smtp.Mail() {
			if m.Header.Get("X-Fireline-Incident") == sec.ID && strings.Contains(m.Subject+m.Body, "CANARY") && !strings.Contains(strings.Join(m.To, ","), "casey") {
				t.Errorf("a restricted incident's title reached %v: %s", m.To, m.Subject)
			}
		}
	})
}

// TestStakeholderNoticesOnChange: while a P2 is open its stakeholders
// hear of each new estimated resolution, stage change and severity
// change, every notice threaded under the initial one with its own
// Message-ID; lowered to a P3, the audience that was told hears of it;
// changes of a P3 tell nobody.
func TestStakeholderNoticesOnChange(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		casey := p.newToken(t, "responder", "casey")
		notices := func() []firelinetest.Mail { return p.mailsOf("incident.stakeholder_notice", "management@berrys.ai") }
		id := p.declare(t, casey, fireline.P2)
		p.advance(t, 0)
		p.mustCLI(t, casey, "incident", "update", id, "--eta", "2h")
		p.mustCLI(t, casey, "incident", "stage", id, "investigation")
		p.mustCLI(t, casey, "incident", "severity", id, "P1", "--reason", "every customer is affected")
		p.mustCLI(t, casey, "incident", "severity", id, "P3", "--reason", "a workaround is out")
		p.advance(t, 0)
		got := notices()
		want := []string{" declared: ", " is expected to be resolved by ", " moved to investigation: ", " is now P1: ", " is now P3: "}
		if len(got) != len(want) {
			for _, m := range got {
				t.Log(m.Subject)
			}
			t.Fatalf("%d notices to management, want %d", len(got), len(want))
		}
		byWhat := map[string]firelinetest.Mail{}
		for _, w := range want {
			for _, m := range got {
				if strings.Contains(m.Subject, id+w) {
					byWhat[w] = m
				}
			}
		}
		initial := byWhat[" declared: "]
		ids := map[string]bool{}
		for _, w := range want {
			m, ok := byWhat[w]
			switch {
			case !ok:
				t.Errorf("no notice %q among %d", w, len(got))
			case w != " declared: " && (m.Header.Get("In-Reply-To") != initial.MessageID || m.Header.Get("References") != initial.MessageID):
				t.Errorf("notice %q not threaded under the initial one: %q", w, m.Header.Get("In-Reply-To"))
			}
			ids[m.MessageID] = true
		}
		if len(ids) != len(got) {
			t.Errorf("Message-IDs repeat: %v", ids)
		}
		if b := byWhat[" moved to investigation: "].Body; !strings.Contains(b, "Stage:    investigation") {
			t.Errorf("stage notice body:\n%s", b)
		}
		if s := byWhat[" is now P1: "].Subject; !strings.HasPrefix(s, "[P1] ") {
			t.Errorf("the severity notice says the severity it was raised to: %q", s)
		}
		p.mustCLI(t, casey, "incident", "stage", id, "mitigation")
		p.advance(t, 0)
		if n := len(notices()); n != len(want) {
			t.Errorf("a P3's stage change told management (%d notices)", n)
		}
	})
}
