package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestGroupingNeverCrossesRestriction (issue 21, item 1): an alert from a
// security integration never joins an open incident of the same service
// that every viewer sees (its summary would show on that incident's
// timeline, alerts and export), and an ordinary alert never joins a
// restricted incident (it would vanish for the on-call responders). Each
// opens or joins an incident of its own kind.
func TestGroupingNeverCrossesRestriction(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		mon := s.createIntegration(t, "--type", "generic", "--service", "api-gateway", "--name", "monitoring")
		sec := s.createIntegration(t, "--type", "generic", "--service", "api-gateway", "--name", "siem", "--source", "security")
		viewer := s.newToken(t, "viewer", "jordan")
		post := func(key, body string) fireline.AlertResult {
			t.Helper()
			code, _, b := s.request(t, "POST", "/integrations/generic", key, body)
			if code != http.StatusAccepted && code != http.StatusOK {
				t.Fatalf("alert: %d %s", code, b)
			}
			var res struct {
				Alerts []fireline.AlertResult `json:"alerts"`
			}
			if err := json.Unmarshal(b, &res); err != nil || len(res.Alerts) != 1 {
				t.Fatalf("alert answer %s: %v", b, err)
			}
			return res.Alerts[0]
		}
		ordinary := post(mon.Key, `{"summary":"5xx on api-gateway","dedup_key":"m-1","severity":"error"}`)
		canary := post(sec.Key, `{"summary":"CANARY credential stuffing","dedup_key":"s-1","severity":"error"}`)
		if ordinary.Incident == "" || canary.Incident == "" || canary.Incident == ordinary.Incident {
			t.Fatalf("the security alert joined the ordinary incident: %+v %+v", ordinary, canary)
		}
		// More of each join their own.
		if r := post(mon.Key, `{"summary":"latency on api-gateway","dedup_key":"m-2","severity":"warning"}`); r.Incident != ordinary.Incident {
			t.Fatalf("an ordinary alert went to %s, not %s", r.Incident, ordinary.Incident)
		}
		if r := post(sec.Key, `{"summary":"CANARY more stuffing","dedup_key":"s-2","severity":"warning"}`); r.Incident != canary.Incident {
			t.Fatalf("a security alert went to %s, not %s", r.Incident, canary.Incident)
		}
		var restricted fireline.Incident
		s.cliJSON(t, adminSecret, &restricted, "incident", "show", canary.Incident)
		if !restricted.Restricted {
			t.Fatalf("the security alert's incident is not restricted")
		}
		// Nothing of the canary reaches a viewer through the ordinary
		// incident, its timeline, its export or the alert list.
		for _, path := range []string{"/api/v1/incidents/" + ordinary.Incident, "/api/v1/incidents/" + ordinary.Incident + "/timeline",
			"/api/v1/incidents/" + ordinary.Incident + "/export", "/api/v1/alerts", "/api/v1/incidents"} {
			code, _, body := s.request(t, "GET", path, viewer, "")
			if code != http.StatusOK || strings.Contains(string(body), "CANARY") {
				t.Errorf("viewer GET %s: %d, leaks the restricted alert: %v", path, code, strings.Contains(string(body), "CANARY"))
			}
		}
	})
}
