package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestReportsInBrowser: the reports page in chromium, as a viewer: three
// charts drawn as SVG with titles, the figures' table, and the filter
// form narrowing the report to one severity. With -update-screenshots it
// writes docs/screenshots/reports.png.
func TestReportsInBrowser(t *testing.T) {
	needChromium(t)
	p := startPagingServer(t, firelinetest.SQLiteDSN(t), businessHours.Add(-42*24*time.Hour))
	seedReportWeeks(t, p)
	_, link := p.newUser(t, "viewer", "finley")
	b := newBrowser(t, p.URL(), 1280, 1500)
	b.loginWithLink(link)
	b.open("/reports?from=2026-10-19&to=2026-12-01")
	b.until(`document.querySelectorAll("svg.chart > title").length === 3`)
	if got := b.text("#sev-P1"); !strings.Contains(got, "P1") || !strings.Contains(got, "6") {
		t.Errorf("P1 row: %q", got)
	}
	if *updateScreenshots {
		b.screenshotView("reports")
	}
	b.submit(map[string]string{"#severity": "P2"}, "#report-filters button[type=submit]")
	b.until(`location.search.includes("severity=P2")`)
	if b.has("#sev-P1") || !b.has("#sev-P2") {
		t.Error("filtered to P2, the page still shows P1 or lacks P2")
	}
}

// seedReportWeeks declares incidents over six weeks, as alex: each week a
// P1 and a P2, and some weeks a P3, acknowledged and resolved a little
// slower each week.
func seedReportWeeks(t *testing.T, p *pagingServer) {
	t.Helper()
	alex := p.newToken(t, "responder", "alex")
	sevs := []fireline.Severity{fireline.P1, fireline.P2, fireline.P3}
	for week := range 6 {
		for i, sev := range sevs[:2+week%2] {
			id := p.declare(t, alex, sev)
			p.advance(t, time.Duration(2+i+week)*time.Minute)
			p.mustCLI(t, alex, "incident", "ack", id)
			p.advance(t, time.Duration(30+15*week)*time.Minute)
			p.mustCLI(t, alex, "incident", "note", id, "Rolled back", "--kind", "mitigation_step")
			p.advance(t, time.Duration(20+10*i)*time.Minute)
			p.mustCLI(t, alex, "incident", "resolve", id, "--summary", "fixed")
		}
		p.advance(t, 7*24*time.Hour)
	}
}
