package main

import (
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestScreenshots regenerates the screenshots in docs/screenshots from a
// real server and browser:
//
//	go test ./cmd/fireline -run TestScreenshots -update-screenshots
func TestScreenshots(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("run with -update-screenshots to regenerate docs/screenshots")
	}
	needChromium(t)
	// A paging server: people are paged by webhook to a sink, run by
	// RunDue on the manual clock; alerts come through the real intake.
	s := startPagingServerWith(t, firelinetest.SQLiteDSN(t), businessHours, true)
	alex := s.newToken(t, "responder", "alex")
	casey := s.newToken(t, "responder", "casey")
	am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
	now := s.clock.Now()
	for _, body := range []string{
		amMessage(t, "firing", amAlert("firing", "gw-eu-1", "error", now), amAlert("firing", "gw-eu-2", "error", now)),
		amMessage(t, "firing", amAlert("firing", "gw-eu-1", "error", now)),
	} {
		if code, _, b := s.request(t, "POST", "/integrations/alertmanager", am.Key, body); code != 200 {
			t.Fatalf("intake: %d %s", code, b)
		}
	}
	s.mustCLI(t, casey, "incident", "declare", "--title", "Model orchestration queue backlog", "--severity", "P3", "--service", "model-orchestration")
	s.mustCLI(t, alex, "incident", "declare", "--title", "Dashboard chart labels overlap", "--severity", "P4", "--service", "web-dashboard")
	s.mustCLI(t, casey, "incident", "declare", "--title", "Login page slow for EU users", "--severity", "P3", "--service", "auth-service")
	s.mustCLI(t, casey, "incident", "resolve", "INC-4", "--summary", "CDN cache warmed")
	// A P1 nobody answers: paged at once and repeated 4 times, it is
	// unanswered 75 minutes on (the dashboard's banner).
	s.mustCLI(t, casey, "incident", "declare", "--title", "Agent runs stuck in queued state", "--severity", "P1", "--service", "agent-orchestrator")
	// The primary's pager gateway fails once; the retry gets through.
	s.sink.Respond(func(path string) (int, string) {
		if path == "/p/"+primary {
			return 503, "pager gateway down"
		}
		return 0, ""
	})
	s.advance(t, 0)
	s.sink.Respond(nil)
	s.advance(t, 2*time.Minute)
	s.advance(t, 38*time.Minute) // 40 minutes on: the P2's respond-by nears
	s.mustCLI(t, alex, "incident", "ack", "INC-1")
	s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "incident_commander", "--person", "alex")
	s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "communications_liaison", "--person", "casey")
	s.mustCLI(t, alex, "incident", "note", "INC-1", "Deploy 4711 at 14:02 changed the upstream pool", "--kind", "finding")
	s.mustCLI(t, alex, "incident", "note", "INC-1", "Roll back 4711 (agreed on the bridge call)", "--kind", "decision")
	s.mustCLI(t, alex, "incident", "update", "INC-1", "--impact", "All API clients in the EU get 502s")
	// Its checklist: the workflow (some steps ticked by themselves: the
	// acknowledgement, the commander, the first note, the finding), the
	// outage playbook attached by hand, steps checked by two people.
	s.mustCLI(t, alex, "incident", "playbook", "attach", "INC-1", "service-outage")
	s.mustCLI(t, alex, "incident", "check", "INC-1", "workflow/2", "--note", "502s on every EU route")
	s.mustCLI(t, casey, "incident", "check", "INC-1", "workflow/6")
	s.mustCLI(t, casey, "incident", "check", "INC-1", "service-outage/2", "--note", "gateway dashboard: 38% 5xx")
	s.mustCLI(t, alex, "incident", "check", "INC-1", "service-outage/4", "--note", "deploy 4711 at 14:02")
	s.mustCLI(t, alex, "incident", "stage", "INC-1", "mitigation", "--reason", "rollback started")
	if code, _, b := s.request(t, "POST", "/integrations/alertmanager", am.Key,
		amMessage(t, "resolved", amAlert("resolved", "gw-eu-2", "error", now))); code != 200 {
		t.Fatalf("intake: %d %s", code, b)
	}
	s.advance(t, 35*time.Minute) // 75 minutes on: the P1's walk has ended
	_, link := s.newUser(t, "responder", "alex")

	desk := newBrowser(t, s.URL(), 1280, 900)
	desk.loginWithLink(link)
	desk.open("/")
	desk.screenshot("dashboard")
	desk.open("/incidents/INC-1")
	desk.screenshot("incident")
	desk.screenshotOf("checklist", "#checklist")
	desk.open("/incidents/new")
	desk.screenshot("declare")

	// The unanswered P1: its timeline is long, so a tall window's worth
	// of the top of the page (banner, clocks, forms, the latest events).
	tall := newBrowser(t, s.URL(), 1280, 1700)
	_, link = s.newUser(t, "responder", "casey")
	tall.loginWithLink(link)
	tall.open("/incidents/INC-5")
	tall.screenshotView("unanswered")

	phone := newBrowser(t, s.URL(), 390, 844)
	_, link = s.newUser(t, "viewer", "jordan")
	phone.loginWithLink(link)
	phone.open("/incidents/INC-1")
	phone.screenshot("incident-phone")
}
