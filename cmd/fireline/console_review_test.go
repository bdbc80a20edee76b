package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestReviewInBrowser: two people edit the review in two browsers. Casey
// saves a version and Alex's page shows it live; Alex's edit, made on the
// version he loaded, is refused as stale beside the form; made again, it
// is version 2 and Casey sees it live, with the blameless check pointing
// at a sentence that names a person as a cause; Casey stars an event and
// approves, and both see the review frozen.
func TestReviewInBrowser(t *testing.T) {
	needChromium(t)
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	_, alexLink := s.newUser(t, "responder", "alex")
	_, caseyLink := s.newUser(t, "responder", "casey")
	alexToken, caseyToken := s.newToken(t, "responder", "alex"), s.newToken(t, "responder", "casey")
	seedReview(t, s, alexToken, caseyToken)

	alex := newBrowser(t, s.URL(), 1280, 900)
	alex.loginWithLink(alexLink)
	alex.open("/incidents/INC-1/review")
	casey := newBrowser(t, s.URL(), 1280, 1600)
	casey.loginWithLink(caseyLink)
	casey.open("/incidents/INC-1/review")
	alex.until(`document.body.dataset.liveOpen === "true"`)
	casey.until(`document.body.dataset.liveOpen === "true"`)

	if got := casey.text("#times"); !strings.Contains(got, "3m") || !strings.Contains(got, "2h") {
		t.Errorf("response times: %s", got)
	}
	casey.submit(map[string]string{
		"#f-summary":   "The API gateway returned 502 on every route for two hours after deploy 4711 emptied its upstream pool.",
		"#why-0":       "Why did the gateway return 502?",
		"#because-0":   "Its upstream pool was empty",
		"#evidence-0":  "https://logs.berrys.ai/q/502",
		"#why-1":       "Why was the pool empty?",
		"#because-1":   "Deploy 4711 replaced the pool's service discovery config",
		"#f-went-well": "Paging reached the on-call at once; the rollback took 20 minutes.",
	}, "#save-review")
	casey.until(`document.getElementById("review-version").innerText.includes("Version 1")`)
	alex.until(`document.getElementById("doc-summary").innerText.includes("deploy 4711 emptied")`)
	if got := alex.text("#review-version"); !strings.Contains(got, "Version 1 by Casey Morgan") {
		t.Errorf("alex sees %q", got)
	}
	if got := alex.text("#doc-whys"); !strings.Contains(got, "Its upstream pool was empty") || !strings.Contains(got, "https://logs.berrys.ai/q/502") {
		t.Errorf("alex's 5 Whys: %q", got)
	}

	// Alex's form was loaded at version 0: refused, beside the form.
	alex.do(chromedpClick("#save-review"))
	alex.until(`document.querySelector("#review-form") && document.querySelector(".error") !== null`)
	if got := alex.text(".error"); !strings.Contains(got, "edited by casey meanwhile") {
		t.Errorf("stale edit: %q", got)
	}
	alex.submit(map[string]string{"#f-process": "The deploy checklist does not say to drain the pool. Blake forgot to drain it."}, "#save-review")
	alex.until(`document.getElementById("review-version").innerText.includes("Version 2")`)
	casey.until(`document.getElementById("review-version").innerText.includes("Version 2 by Alex Rivera")`)
	casey.until(`document.getElementById("blameless-hints") !== null`)
	if got := casey.text("#blameless-hints"); !strings.Contains(got, "Blake forgot to drain it") || !strings.Contains(got, "names Blake Chen as a cause") {
		t.Errorf("blameless hints: %q", got)
	}
	alex.submit(map[string]string{"#f-process": "The deploy checklist does not say to drain the pool, and nothing checks it."}, "#save-review")
	casey.until(`document.getElementById("blameless-hints") === null`)

	casey.do(chromedpClick("#every-event summary"), chromedpClick(`#star-8 button`))
	casey.until(`document.querySelector("#key-events li.starred") !== null`)
	casey.submit(map[string]string{"#i-title": "Alert when the upstream pool is empty", "#i-owner": "blake", "#i-deadline": "2026-12-15T17:00", "#i-kind": "monitoring"}, "#add-item")
	alex.until(`document.getElementById("item-A-1") !== null`)

	if *updateScreenshots {
		casey.open("/incidents/INC-1/review")
		casey.until(`document.getElementById("item-A-1") !== null`)
		casey.screenshotView("review")
	}
	casey.do(chromedpClick("#approve-review"))
	casey.until(`document.getElementById("review-status").innerText === "Approved"`)
	alex.until(`document.getElementById("review-status").innerText === "Approved"`)
	if got := alex.text("#approved-banner"); !strings.Contains(got, "Approved by Casey Morgan") || !strings.Contains(got, "digest") {
		t.Errorf("approved banner: %q", got)
	}
	// Forms are not swapped live (what is being typed stays); loaded
	// again, the frozen review has none.
	alex.open("/incidents/INC-1/review")
	if alex.has("#review-form") || alex.has("#approve-review") {
		t.Error("the approved review can still be edited")
	}
	s.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
}

// seedReview declares INC-1, a P1 on the API gateway, as alex; alex
// acknowledges after 3 minutes, casey commands, a mitigation step at 40
// minutes, casey resolves after 2 hours: its review is open.
func seedReview(t *testing.T, s *testServer, alex, casey string) {
	t.Helper()
	s.mustCLI(t, alex, "incident", "declare", "--title", "API gateway returns 502", "--severity", "P1", "--service", "api-gateway",
		"--description", "5xx on every route")
	s.clock.Advance(3 * time.Minute)
	s.mustCLI(t, alex, "incident", "ack", "INC-1")
	s.mustCLI(t, casey, "incident", "assign", "INC-1", "--role", "incident_commander", "--person", "casey")
	s.clock.Advance(37 * time.Minute)
	s.mustCLI(t, alex, "incident", "note", "INC-1", "Rolled back deploy 4711", "--kind", "mitigation_step")
	s.mustCLI(t, casey, "incident", "update", "INC-1", "--impact", "Every API client got 502s")
	s.clock.Advance(80 * time.Minute)
	s.mustCLI(t, casey, "incident", "resolve", "INC-1", "--summary", "rolled back 4711")
}
