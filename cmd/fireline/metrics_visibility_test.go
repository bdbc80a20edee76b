package main

import (
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// intakeSeries are the /metrics lines about alert intake: the alert
// counters and the webhook routes' request durations.
func (s *testServer) intakeSeries(t *testing.T, token string) string {
	t.Helper()
	code, _, body := s.request(t, "GET", "/metrics", token, "")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "fireline_alerts_") || (strings.HasPrefix(l, "fireline_http_request_duration_seconds") &&
			(strings.Contains(l, "/integrations/") || strings.Contains(l, "/v2/"))) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAlertCountersHideSecurityAlerts (issue 21, item 9): alerts of a
// security integration (created, deduplicated, resolved, rejected; by the
// generic route and PagerDuty's) change nothing a viewer's or a
// responder's scrape shows, neither the alert counters nor the webhook
// routes' request counts; an admin's scrape counts them in the same series.
func TestAlertCountersHideSecurityAlerts(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		viewer, responder := s.newToken(t, "viewer", "jordan"), s.newToken(t, "responder", "alex")
		ordinary := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		siem := s.createIntegration(t, "--type", "generic", "--service", "api-gateway", "--source", "security", "--name", "siem")
		edr := s.createIntegration(t, "--type", "pagerduty", "--service", "api-gateway", "--source", "security", "--name", "edr")
		post := func(path, key, body string, want int) {
			t.Helper()
			code, _, resp := s.request(t, "POST", path, key, body)
			wantStatus(t, path, code, resp, want)
		}
		post("/integrations/generic", ordinary.Key, `{"summary":"Checkout slow","dedup_key":"o-1"}`, 200)
		before := map[string]string{"viewer": s.intakeSeries(t, viewer), "responder": s.intakeSeries(t, responder)}
		adminBefore := s.intakeSeries(t, adminSecret)

		post("/integrations/generic", siem.Key, `{"summary":"Impossible travel: kai","dedup_key":"ev-9","severity":"critical"}`, 200)
		post("/integrations/generic", siem.Key, `{"summary":"Impossible travel: kai","dedup_key":"ev-9","severity":"critical"}`, 200)
		post("/integrations/generic", siem.Key, `{"summary":"Impossible travel: kai","dedup_key":"ev-9","status":"resolved"}`, 200)
		post("/integrations/generic", siem.Key, `{"dedup_key":"ev-10"}`, 400)
		post("/v2/enqueue", "", `{"routing_key":"`+edr.Key+`","event_action":"trigger","payload":{"summary":"Malware on host-3","source":"edr","severity":"critical"}}`, 202)
		post("/v2/enqueue", "", `{"routing_key":"`+edr.Key+`","event_action":"trigger"}`, 400)

		for who, token := range map[string]string{"viewer": viewer, "responder": responder} {
			if after := s.intakeSeries(t, token); after != before[who] {
				t.Errorf("the %s's scrape changed with security alerts only:\nbefore:\n%s\nafter:\n%s", who, before[who], after)
			}
		}
		admin := s.intakeSeries(t, adminSecret)
		for series, want := range map[string]string{
			`fireline_alerts_received_total{type="generic"}`:                                                       "5",
			`fireline_alerts_received_total{type="pagerduty"}`:                                                     "2",
			`fireline_alerts_total{outcome="created",type="generic"}`:                                              "2",
			`fireline_alerts_total{outcome="deduplicated",type="generic"}`:                                         "1",
			`fireline_alerts_total{outcome="resolved",type="generic"}`:                                             "1",
			`fireline_alerts_total{outcome="rejected",type="generic"}`:                                             "1",
			`fireline_alerts_total{outcome="created",type="pagerduty"}`:                                            "1",
			`fireline_alerts_total{outcome="rejected",type="pagerduty"}`:                                           "1",
			`fireline_http_request_duration_seconds_count{code="200",method="POST",route="/integrations/generic"}`: "4",
		} {
			if got := metricValue(admin, series); got != want {
				t.Errorf("admin: %s = %s, want %s (before: %s)", series, got, want, metricValue(adminBefore, series))
			}
		}
		// Ordinary alerts still count for everyone.
		post("/integrations/generic", ordinary.Key, `{"summary":"Checkout slow","dedup_key":"o-1"}`, 200)
		if got := metricValue(s.intakeSeries(t, viewer), `fireline_alerts_total{outcome="deduplicated",type="generic"}`); got != "1" {
			t.Errorf("viewer: an ordinary repeat counts %s, want 1", got)
		}
	})
}
