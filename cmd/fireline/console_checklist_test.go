package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestChecklistInBrowser: one browser ticks a step with a note, a second
// sees it checked, by whom, and the stage's progress, live; resolving with
// required steps open is refused beside the form, naming them, until the
// commander overrides.
func TestChecklistInBrowser(t *testing.T) {
	needChromium(t)
	s := startGatedTestServer(t, firelinetest.SQLiteDSN(t))
	_, alexLink := s.newUser(t, "responder", "alex")
	_, caseyLink := s.newUser(t, "responder", "casey")
	alexToken := s.newToken(t, "responder", "alex")
	s.mustCLI(t, alexToken, "incident", "declare", "--title", "Checkout API down", "--severity", "P1", "--service", "api-gateway")

	alex := newBrowser(t, s.URL(), 1280, 900)
	alex.loginWithLink(alexLink)
	alex.open("/incidents/INC-1")
	casey := newBrowser(t, s.URL(), 1280, 900)
	casey.loginWithLink(caseyLink)
	casey.open("/incidents/INC-1")
	casey.until(`document.body.dataset.liveOpen === "true"`)

	const step = `#checklist [data-step="workflow/2"]`
	if !strings.Contains(casey.text("#checklist"), "Service Outage") || !casey.has(step+":not(.step-done)") {
		t.Fatalf("checklist before: %s", casey.text("#checklist"))
	}
	if got := casey.text(`#checklist details[data-stage="detection"] .progress`); got != "0/4" {
		t.Errorf("detection progress before: %q", got)
	}
	alex.submit(map[string]string{step + ` input[name="note"]`: "5xx on every route"}, step+" button.box")
	alex.until(`document.querySelector(` + jsString(step) + `).classList.contains("step-done")`)

	casey.until(`document.querySelector(` + jsString(step) + `).classList.contains("step-done")`)
	if got := casey.text(step + " .step-meta"); !strings.Contains(got, "checked by Alex Rivera") || !strings.Contains(got, "5xx on every route") {
		t.Errorf("casey sees %q", got)
	}
	if got := casey.text(`#checklist details[data-stage="detection"] .progress`); got != "1/4" {
		t.Errorf("detection progress after: %q", got)
	}
	if !strings.Contains(casey.text("#timeline"), "checked workflow/2: Perform initial assessment") {
		t.Errorf("casey's timeline: %s", casey.text("#timeline"))
	}

	// Resolving with required steps open: refused beside the form.
	alex.submit(map[string]string{"#summary": "rolled back", "#override": "bridge agreed"}, "#resolve")
	alex.until(`document.querySelector("#status-actions .error") !== null`)
	if got := alex.text("#status-actions .error"); !strings.Contains(got, "only the incident commander") {
		t.Errorf("override by a non-commander: %q", got)
	}
	alex.submit(map[string]string{"#summary": "rolled back", "#override": " "}, "#resolve")
	alex.until(`document.querySelector("#status-actions .error") && document.querySelector("#status-actions .error").innerText.includes("before resolution")`)
	if got := alex.text("#status-actions .error"); !strings.Contains(got, "Workflow/5: Create incident channel in Slack") && !strings.Contains(got, "workflow/5") {
		t.Errorf("the refusal does not name the open steps: %q", got)
	}
	// The commander overrides; both see it resolved (alex on the page of
	// the refused form, which live updates keep fresh too).
	casey.do(chromedpClick("#take-command"))
	casey.until(`document.querySelector('#checklist [data-step="workflow/7"]').classList.contains("step-done")`)
	casey.submit(map[string]string{"#summary": "rolled back", "#override": "Rolled back; steps logged after"}, "#resolve")
	casey.until(`document.getElementById("status-badge").innerText === "Resolved"`)
	alex.until(`document.getElementById("status-badge").innerText === "Resolved"`)
	if !strings.Contains(alex.text("#timeline"), "overrode the checklist") {
		t.Errorf("alex's timeline lacks the override: %s", alex.text("#timeline"))
	}
}

// screenshotOf writes one element of the page to docs/screenshots/name.png.
func (b *browser) screenshotOf(name, sel string) {
	b.t.Helper()
	b.writeScreenshot(name, chromedp.Screenshot(chromedp.CSS(sel)))
}
