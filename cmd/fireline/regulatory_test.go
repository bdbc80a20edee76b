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
	t.Parallel()
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

// The incident report renders what happened, the systems affected, the
// actions, the evidence with its hashes and who was told when (the
// security team's page, the regulator), as Markdown and as print-ready
// HTML, from the CLI, the API and the incident page; it is the
// incident's, so a non-member of a restricted one gets 404.
func TestIncidentReport(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startRegulatoryServer(t, dsn)
		kai, gray := p.newToken(t, "responder", "kai"), p.newToken(t, "responder", "gray")
		var inc fireline.Incident
		p.cliJSON(t, kai, &inc, "incident", "declare", "--title", "Customer table exported", "--severity", "P2", "--source", "security",
			"--service", "auth-service", "--description", "An API key with read access to the customers table was used from an unknown network.")
		p.advance(t, 0)
		p.mustCLI(t, kai, "incident", "update", inc.ID, "--impact", "Names and emails of 1,200 customers", "--scope", "customers table, eu-west")
		p.mustCLI(t, kai, "incident", "note", inc.ID, "Revoked the key and rotated the database credentials", "--kind", "mitigation_step")
		file := t.TempDir() + "/access.log"
		os.WriteFile(file, []byte("GET /customers 200 203.0.113.9\n"), 0o600)
		p.mustCLI(t, kai, "incident", "evidence", "add", inc.ID, file, "--note", "gateway access log")
		p.mustCLI(t, kai, "incident", "ack", inc.ID)
		p.mustCLI(t, kai, "incident", "notify-regulator", inc.ID, "ICO", "--reference", "IC-98765")
		var list struct{ Evidence []fireline.Evidence }
		p.cliJSON(t, kai, &list, "incident", "evidence", "list", inc.ID)

		md := p.mustCLI(t, kai, "incident", "report", inc.ID)
		if os.Getenv("SHOW_REPORT") != "" {
			t.Log(md)
		}
		for _, want := range []string{"# Incident report: " + inc.ID, "## What happened", "unknown network", "## Systems and data affected",
			"Names and emails of 1,200 customers", "customers table, eu-west", "## Actions taken", "Revoked the key",
			"## Evidence", list.Evidence[0].SHA256, "access.log", "## Who was notified", "Security Team", "ICO", "IC-98765",
			"## Timeline", "Regulator due"} {
			if !strings.Contains(md, want) {
				t.Errorf("the Markdown report lacks %q:\n%s", want, md)
			}
		}
		html := p.mustCLI(t, kai, "incident", "report", inc.ID, "--format", "html")
		for _, want := range []string{"<!doctype html>", `id="report-evidence"`, list.Evidence[0].SHA256, `id="report-notified"`, "IC-98765", "@media print"} {
			if !strings.Contains(html, want) {
				t.Errorf("the HTML report lacks %q", want)
			}
		}
		code, hdr, body := p.request(t, "GET", "/api/v1/incidents/"+inc.ID+"/report?format=html", kai, "")
		wantStatus(t, "API report", code, body, 200)
		if !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || hdr.Get("Content-Security-Policy") == "" {
			t.Errorf("HTML report headers %v", hdr)
		}
		code, _, body = p.request(t, "GET", "/api/v1/incidents/"+inc.ID+"/report?format=pdf", kai, "")
		wantStatus(t, "bad format", code, body, 400)
		code, _, body = p.request(t, "GET", "/api/v1/incidents/"+inc.ID+"/report", gray, "")
		wantStatus(t, "non-member", code, body, 404)
		cookie := p.session(t, "responder", "kai")
		if page := readBody(t, p.console(t, "GET", "/incidents/"+inc.ID, cookie, nil)); !strings.Contains(page, `href="/incidents/`+inc.ID+`/report"`) {
			t.Errorf("the incident page has no link to the report")
		}
		if page := readBody(t, p.console(t, "GET", "/incidents/"+inc.ID+"/report", cookie, nil)); !strings.Contains(page, "IC-98765") {
			t.Errorf("the console's report lacks the regulator")
		}
	})
}
