package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

func evalString(b *browser, expr string) (string, error) {
	return chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
}

// TestStatusPagesInBrowser: the public page in chromium, signed out:
// without a script, accessible (a language, one h1, labelled sections, a
// skip link), the component states and the published update, nothing of
// the canaries; on a phone without sideways scrolling. The internal page
// as a viewer; the liaison drafts and approves from the incident page and
// the public page shows it.
func TestStatusPagesInBrowser(t *testing.T) {
	needChromium(t)
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startPublicScenario(t, dsn, businessHours)
		pub := newBrowser(t, s.URL(), 1280, 900)
		pub.open("/status")
		html, err := evalString(pub, "document.documentElement.outerHTML")
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script", "CANARY", "INC-", canaryNote} {
			if strings.Contains(html, bad) {
				t.Errorf("the public page contains %q", bad)
			}
		}
		text := pub.mainText()
		for _, want := range []string{"Minor Service Outage", "Elevated API errors", "Identified — We found the cause", "API Gateway\nPartial outage",
			"Auth database upgrade", "This incident affects: API Gateway."} {
			if !strings.Contains(text, want) {
				t.Errorf("the public page lacks %q:\n%s", want, text)
			}
		}
		if pub.attr("html", "lang") != "en" || countOf(t, pub, "h1") != 1 || !pub.has("a.skip[href='#content']") {
			t.Error("the public page lacks a language, its one h1 or its skip link")
		}
		if n, _ := evalInt(pub, `[...document.querySelectorAll("section[aria-labelledby]")].filter(s => !document.getElementById(s.getAttribute("aria-labelledby"))).length`); n != 0 {
			t.Errorf("%d sections are labelled by a missing heading", n)
		}
		if !strings.Contains(pub.text(".sr"), "uptime over 90 days") {
			t.Error("the uptime bars have no text for screen readers")
		}
		pub.do(chromedpClick("#content article.incident h3 a"))
		pub.until(`location.pathname.startsWith("/status/incidents/")`)
		if text := pub.mainText(); !strings.Contains(text, "We found the cause of elevated API errors") || !strings.Contains(text, "API Gateway: Partial outage") {
			t.Errorf("the incident page:\n%s", text)
		}

		phone := newBrowser(t, s.URL(), 390, 844)
		phone.open("/status")
		if w, _ := evalInt(phone, "document.documentElement.scrollWidth"); w > 390 {
			t.Errorf("the public page scrolls sideways on a phone: %d px wide", w)
		}

		viewer := newBrowser(t, s.URL(), 1280, 900)
		_, link := s.newUser(t, "viewer", "kai") // paged for neither incident: not a member of the restricted one
		viewer.loginWithLink(link)
		viewer.open("/status/internal")
		text = viewer.mainText()
		if !strings.Contains(text, s.id+" API gateway 502s") || !strings.Contains(text, "Jordan Reyes") || !strings.Contains(text, canaryNote) ||
			strings.Contains(text, "CANARY-RESTRICTED") {
			t.Errorf("the internal page for a viewer:\n%s", text)
		}

		liaison := newBrowser(t, s.URL(), 1280, 900)
		_, link = s.newUser(t, "responder", "jordan")
		liaison.loginWithLink(link)
		liaison.open("/incidents/" + s.id)
		if !strings.Contains(liaison.text("#clocks"), "Public update by") {
			t.Errorf("the incident page's clocks lack the next public update: %s", liaison.text("#clocks"))
		}
		if got := liaison.value("#pub-text"); !strings.Contains(got, "identified the cause of the partial outage affecting API Gateway") {
			t.Errorf("the draft form starts with %q, want the identified template filled in", got)
		}
		liaison.submit(map[string]string{"#pub-status": "monitoring", "#pub-text": "Error rates are back to normal; we keep watching.",
			"#pub-c-api-gateway": "degraded_performance"}, "#draft-update")
		liaison.until(`document.querySelector("#approve-2")`)
		liaison.do(chromedpClick("#approve-2"))
		liaison.until(`document.querySelector("#public-updates [data-update='2'] .badge") && document.querySelector("#public-updates [data-update='2'] .badge").innerText.includes("Published")`)
		pub.open("/status?again") // the browser keeps /status for its max-age
		if text := pub.mainText(); !strings.Contains(text, "Monitoring — Error rates are back to normal") || !strings.Contains(text, "API Gateway\nDegraded performance") {
			t.Errorf("after the liaison's update the public page shows:\n%s", text)
		}
	})
}

func countOf(t *testing.T, b *browser, sel string) int {
	t.Helper()
	n, err := evalInt(b, "document.querySelectorAll("+jsString(sel)+").length")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScreenshotsComms writes docs/screenshots/status-public.png,
// status-internal.png and public-updates.png:
//
//	go test ./cmd/fireline -run TestScreenshotsComms -update-screenshots
func TestScreenshotsComms(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("run with -update-screenshots to regenerate docs/screenshots")
	}
	needChromium(t)
	// History first: a P1 on the Agent Orchestrator three days ago, two
	// hours long, with its updates; then the public scenario now.
	start := businessHours.Add(-72 * time.Hour)
	p := startCommsServer(t, firelinetest.SQLiteDSN(t), start)
	casey, jordan := p.newToken(t, "responder", "casey"), p.newToken(t, "responder", "jordan")
	var inc fireline.Incident
	p.cliJSON(t, casey, &inc, "incident", "declare", "--title", "Agent runs stuck", "--severity", "P1", "--service", "agent-orchestrator")
	old := inc.ID
	p.mustCLI(t, casey, "incident", "assign", old, "--role", "communications_liaison", "--person", "jordan")
	p.advance(t, 8*time.Minute)
	p.mustCLI(t, jordan, "incident", "public-update", old, "--status", "investigating", "--name", "Agent runs stuck in queued state",
		"--component", "agent-orchestrator=major_outage", "--text", "Agent runs are stuck in the queued state. We are investigating.")
	p.mustCLI(t, jordan, "incident", "approve-update", old, "1")
	p.advance(t, 50*time.Minute)
	p.mustCLI(t, jordan, "incident", "public-update", old, "--status", "monitoring", "--component", "agent-orchestrator=degraded_performance",
		"--text", "A fix is deployed; queued runs are draining.")
	p.mustCLI(t, jordan, "incident", "approve-update", old, "2")
	p.advance(t, time.Hour)
	p.mustCLI(t, casey, "incident", "resolve", old, "--summary", "scheduler lock released")
	p.mustCLI(t, jordan, "incident", "public-update", old, "--status", "resolved", "--component", "agent-orchestrator=operational",
		"--text", "Queued runs have drained and new runs start at once. This incident is resolved.")
	p.mustCLI(t, jordan, "incident", "approve-update", old, "3")
	p.advance(t, 72*time.Hour-2*time.Hour-8*time.Minute)

	s := &publicScenario{pagingServer: p, t0: p.clock.Now()}
	s.alex, s.jordan, s.viewer = p.newToken(t, "responder", "alex"), jordan, p.newToken(t, "viewer", "blake")
	id := p.declare(t, s.alex, "P2")
	p.mustCLI(t, s.alex, "incident", "ack", id)
	p.mustCLI(t, s.alex, "incident", "assign", id, "--role", "incident_commander", "--person", "alex")
	p.mustCLI(t, s.alex, "incident", "assign", id, "--role", "communications_liaison", "--person", "jordan")
	p.mustCLI(t, s.alex, "incident", "note", id, "Deploy 4711 at 14:02 changed the upstream pool", "--kind", "finding")
	p.mustCLI(t, s.alex, "incident", "update", id, "--eta", p.clock.Now().Add(2*time.Hour).Format(time.RFC3339))
	p.advance(t, 6*time.Minute)
	p.mustCLI(t, jordan, "incident", "public-update", id, "--status", "identified", "--name", "Elevated API errors",
		"--component", "api-gateway=partial_outage")
	p.mustCLI(t, jordan, "incident", "approve-update", id, "1")
	p.mustCLI(t, s.alex, "incident", "public-update", id, "--status", "monitoring", "--text", "The rollback is done; error rates are falling.")
	from := p.clock.Now().Add(26 * time.Hour).Format(time.RFC3339)
	p.mustCLI(t, s.alex, "maintenance", "create", "--service", "auth-service", "--start", from, "--end", "1h", "--reason", "Auth database upgrade", "--public")
	p.declare(t, casey, "P3") // on the API gateway too: degraded, no public word yet
	p.advance(t, 4*time.Minute)

	desk := newBrowser(t, p.URL(), 1100, 900)
	desk.open("/status")
	desk.screenshot("status-public")
	_, link := p.newUser(t, "responder", "jordan")
	console := newBrowser(t, p.URL(), 1280, 900)
	console.loginWithLink(link)
	console.open("/status/internal")
	console.screenshot("status-internal")
	console.open("/incidents/" + id)
	console.screenshotOf("public-updates", "#public-updates")
}
