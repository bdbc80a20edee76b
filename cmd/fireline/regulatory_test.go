package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// regulatoryYAML is a regulatory section: 72 hours from detection for
// security incidents, the security team told at risk and at breach.
const regulatoryYAML = `
regulatory:
  name: GDPR Art. 33 personal-data breach
  deadline: 72h
  from: detection
  applies_to:
    - sources: [security]
  contacts: [security]
`

// startRegulatoryServer is startPagingServer with regulatoryYAML added to
// its policy.
func startRegulatoryServer(t *testing.T, dsn string) *pagingServer {
	t.Helper()
	p := &pagingServer{sink: firelinetest.NewWebhookSink(t), smtp: firelinetest.NewSMTPServer(t), dsn: dsn}
	p.pol = pagingPolicy(t, p.sink.URL, false)
	b, err := os.ReadFile(p.pol)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p.pol, append(b, regulatoryYAML...), 0o600)
	p.testServer = p.restart(t, firelinetest.NewClock(businessHours))
	return p
}

// clockEvents lists an incident's regulatory clock events as
// "at_risk"/"breached".
func clockEvents(t *testing.T, p *pagingServer, token, id string) []string {
	t.Helper()
	var log struct{ Events []*fireline.Event }
	p.cliJSON(t, token, &log, "incident", "log", id)
	var out []string
	for _, e := range log.Events {
		if (e.Type == fireline.EventClockAtRisk || e.Type == fireline.EventClockBreached) && strings.Contains(string(e.Data), `"regulatory"`) {
			out = append(out, strings.TrimPrefix(string(e.Type), "clock_"))
		}
	}
	return out
}

// The regulatory deadline is a clock: started by the policy on a security
// incident (72 hours from detection), at risk at 75% of it and breached
// after it, each telling the commander and the security team, though the
// incident was resolved meanwhile; recording the regulator notified stops
// it. Other incidents get none.
func TestRegulatoryClock(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startRegulatoryServer(t, dsn)
		kai := p.newToken(t, "responder", "kai")
		var late, met, other fireline.Incident
		p.cliJSON(t, kai, &late, "incident", "declare", "--title", "Customer table exported", "--severity", "P2", "--source", "security")
		p.cliJSON(t, kai, &met, "incident", "declare", "--title", "Laptop with customer data stolen", "--severity", "P3", "--source", "security")
		p.cliJSON(t, kai, &other, "incident", "declare", "--title", "Slow dashboard", "--severity", "P3")
		r := late.Security.Regulatory
		if r == nil || !r.Due.Equal(businessHours.Add(72*time.Hour)) || other.Security.Regulatory != nil {
			t.Fatalf("regulatory clocks: %+v on the security incident, %+v on the other", r, other.Security.Regulatory)
		}
		p.mustCLI(t, kai, "incident", "assign", late.ID, "--role", "incident_commander", "--person", "kai")
		p.mustCLI(t, kai, "incident", "ack", late.ID)
		p.mustCLI(t, kai, "incident", "resolve", late.ID)
		p.advance(t, 10*time.Hour)
		p.mustCLI(t, kai, "incident", "notify-regulator", met.ID, "ICO", "--reference", "IC-1234")
		before := p.notified()

		p.advance(t, 44*time.Hour) // 54 h: 75% of 72 h
		if got := clockEvents(t, p, kai, late.ID); strings.Join(got, ",") != "at_risk" {
			t.Errorf("at 54 h: %v, want at_risk", got)
		}
		told := p.notified()
		if told["kai"] != before["kai"]+1 || told["mail:security@berrys.ai"] != before["mail:security@berrys.ai"]+1 {
			t.Errorf("at risk, told %v (before: %v), want the commander and the security team", told, before)
		}
		p.advance(t, 18*time.Hour+2*time.Second) // past 72 h
		if got := clockEvents(t, p, kai, late.ID); strings.Join(got, ",") != "at_risk,breached" {
			t.Errorf("after 72 h: %v, want at_risk,breached", got)
		}
		if got := clockEvents(t, p, kai, met.ID); len(got) != 0 {
			t.Errorf("the clock met by notifying the regulator marked %v", got)
		}
		var inc fireline.Incident
		p.cliJSON(t, kai, &inc, "incident", "show", met.ID)
		if r := inc.Security.Regulatory; r == nil || r.NotifiedAt == nil || len(inc.Security.Notices) != 1 || inc.Security.Notices[0].Reference != "IC-1234" {
			t.Errorf("notified clock: %+v %+v", r, inc.Security.Notices)
		}
		p.cliJSON(t, kai, &inc, "incident", "show", late.ID)
		if r := inc.Security.Regulatory; r == nil || r.AtRiskAt == nil || r.BreachedAt == nil {
			t.Errorf("breached clock: %+v", r)
		}
		refused(t, p.cli(t, kai, "incident", "notify-regulator", met.ID, " "), "regulator")
		p.mustCLI(t, kai, "incident", "verify", "--stored", late.ID)
	})
}
