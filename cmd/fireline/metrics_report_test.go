package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// metricValue is the value of one series of a /metrics scrape ("" when
// the series is absent).
func (s *testServer) metricValue(t *testing.T, token, series string) string {
	t.Helper()
	code, _, body := s.request(t, "GET", "/metrics", token, "")
	if code != 200 {
		t.Fatalf("metrics: %d %s", code, body)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestReportMetrics (issue 19, item 4): /metrics carries the report's
// figures of the last 30 days, by severity: MTTA, time to mitigate, MTTR,
// clock outcomes, reviews, action items, alerts per incident. A
// restricted incident, its review and its items count for no scraper,
// admins included; a scrape within 15 seconds of the last reads no new
// report.
func TestReportMetrics(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p) // P1: ack 3m, mitigated 40m, resolved 2h
		p.mustCLI(t, casey, "action", "add", "INC-1", "--title", "Alert on an empty upstream pool", "--owner", "blake",
			"--deadline", "2026-12-10T17:00:00-05:00", "--kind", "monitoring")
		// A restricted P1, acknowledged and resolved at once, with an item
		// of its own: it would change every figure if counted.
		kai := p.newToken(t, "responder", "kai")
		var sec fireline.Incident
		p.cliJSON(t, kai, &sec, "incident", "declare", "--title", "Leaked credentials", "--severity", "P1", "--source", "security")
		p.mustCLI(t, kai, "incident", "ack", sec.ID)
		p.mustCLI(t, kai, "incident", "resolve", sec.ID, "--summary", "rotated")
		p.mustCLI(t, kai, "action", "add", sec.ID, "--title", "Rotate every key", "--owner", "kai", "--deadline", "2026-12-20T17:00:00-05:00", "--kind", "process")
		p.advance(t, time.Minute)

		viewer := p.newToken(t, "viewer", "jordan")
		want := map[string]string{
			`fireline_report_incidents{severity="P1"}`:                                       "1",
			`fireline_report_incidents{severity="P2"}`:                                       "0",
			`fireline_report_mtta_seconds{severity="P1"}`:                                    "180",
			`fireline_report_mttm_seconds{severity="P1"}`:                                    "2400",
			`fireline_report_mttr_seconds{severity="P1"}`:                                    "7200",
			`fireline_report_mtta_seconds{severity="P2"}`:                                    "",
			`fireline_report_clock_outcomes{clock="respond",outcome="met",severity="P1"}`:    "1",
			`fireline_report_clock_outcomes{clock="resolve",outcome="met",severity="P1"}`:    "1",
			`fireline_report_clock_outcomes{clock="respond",outcome="missed",severity="P1"}`: "0",
			`fireline_report_reviews{outcome="pending"}`:                                     "1",
			`fireline_report_action_items{state="open"}`:                                     "1",
			`fireline_report_action_items{state="overdue"}`:                                  "0",
			`fireline_report_alerts_per_incident`:                                            "0",
			`fireline_report_window_days`:                                                    "30",
		}
		for _, tok := range []string{viewer, kai, adminSecret} {
			for series, v := range want {
				if got := p.metricValue(t, tok, series); got != v {
					t.Errorf("as %s: %s = %q, want %q", tok[:8], series, got, v)
				}
			}
		}

		// Kept for 15 seconds: a new incident shows after them.
		p.declare(t, casey, fireline.P2)
		if got := p.metricValue(t, viewer, `fireline_report_incidents{severity="P2"}`); got != "0" {
			t.Errorf("within 15 s of the last read: P2 incidents %q", got)
		}
		p.advance(t, 16*time.Second)
		if got := p.metricValue(t, viewer, `fireline_report_incidents{severity="P2"}`); got != "1" {
			t.Errorf("16 s later: P2 incidents %q", got)
		}
	})
}
