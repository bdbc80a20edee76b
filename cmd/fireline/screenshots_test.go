package main

import (
	"testing"

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
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	alex := s.newToken(t, "responder", "alex")
	casey := s.newToken(t, "responder", "casey")
	s.mustCLI(t, alex, "incident", "declare", "--title", "API gateway 502s on all routes", "--severity", "P2",
		"--source", "monitoring", "--service", "api-gateway", "--description", "5xx on every route since 14:02")
	s.mustCLI(t, casey, "incident", "declare", "--title", "Model orchestration queue backlog", "--severity", "P3", "--service", "model-orchestration")
	s.mustCLI(t, alex, "incident", "declare", "--title", "Dashboard chart labels overlap", "--severity", "P4", "--service", "web-dashboard")
	s.mustCLI(t, casey, "incident", "declare", "--title", "Login page slow for EU users", "--severity", "P3", "--service", "auth-service")
	s.mustCLI(t, casey, "incident", "resolve", "INC-4", "--summary", "CDN cache warmed")
	s.clock.Advance(40 * 60e9) // 40 minutes on: the P2's respond-by nears
	s.mustCLI(t, alex, "incident", "ack", "INC-1")
	s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "incident_commander", "--person", "alex")
	s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "communications_liaison", "--person", "casey")
	s.mustCLI(t, alex, "incident", "note", "INC-1", "Deploy 4711 at 14:02 changed the upstream pool", "--kind", "finding")
	s.mustCLI(t, alex, "incident", "note", "INC-1", "Roll back 4711 (agreed on the bridge call)", "--kind", "decision")
	s.mustCLI(t, alex, "incident", "update", "INC-1", "--impact", "All API clients get 502s")
	s.mustCLI(t, alex, "incident", "stage", "INC-1", "mitigation", "--reason", "rollback started")
	_, link := s.newUser(t, "responder", "alex")

	desk := newBrowser(t, s.URL(), 1280, 900)
	desk.loginWithLink(link)
	desk.open("/")
	desk.screenshot("dashboard")
	desk.open("/incidents/INC-1")
	desk.screenshot("incident")
	desk.open("/incidents/new")
	desk.screenshot("declare")

	phone := newBrowser(t, s.URL(), 390, 844)
	_, link = s.newUser(t, "viewer", "jordan")
	phone.loginWithLink(link)
	phone.open("/incidents/INC-1")
	phone.screenshot("incident-phone")
}
