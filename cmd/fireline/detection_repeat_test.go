package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestRefiringAfterResolution: Alertmanager repeats a firing alert, resolves
// it, and fires it again. The repeats are deduplicated and counted; the
// firing after the resolution is a new alert and a new incident, however
// recently the old one was repeated (on SQLite repeats are answered from
// intake's memory of committed alerts, docs/adr/0038).
func TestRefiringAfterResolution(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		now := s.clock.Now()
		post := func(status string) fireline.AlertResult {
			t.Helper()
			code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, status, amAlert(status, "web-1", "warning", now)))
			wantStatus(t, status, code, body, http.StatusOK)
			var ans struct{ Alerts []fireline.AlertResult }
			if err := json.Unmarshal(body, &ans); err != nil || len(ans.Alerts) != 1 {
				t.Fatalf("answer %s", body)
			}
			return ans.Alerts[0]
		}
		first := post("firing")
		if first.Outcome != fireline.OutcomeCreated || first.Incident != "INC-1" {
			t.Fatalf("first: %+v", first)
		}
		for i := range 5 {
			s.clock.Advance(time.Second)
			if r := post("firing"); r.Outcome != fireline.OutcomeDeduplicated || r.AlertID != first.AlertID || r.Incident != "INC-1" {
				t.Fatalf("repeat %d: %+v", i, r)
			}
		}
		if r := post("resolved"); r.Outcome != fireline.OutcomeResolved || r.AlertID != first.AlertID {
			t.Fatalf("resolved: %+v", r)
		}
		again := post("firing")
		if again.Outcome != fireline.OutcomeCreated || again.AlertID == first.AlertID || again.Incident != "INC-2" {
			t.Fatalf("firing after the resolution: %+v, want a new alert in INC-2", again)
		}
		page := s.alerts(t, adminSecret, "--service", "api-gateway")
		if len(page.Alerts) != 2 || page.Alerts[0].ID != again.AlertID || page.Alerts[0].Count != 1 ||
			page.Alerts[1].Count != 6 || page.Alerts[1].Status != fireline.AlertResolved ||
			!page.Alerts[1].LastSeenAt.Before(page.Alerts[0].FirstSeenAt.Add(time.Nanosecond)) {
			t.Fatalf("alerts %+v %+v", page.Alerts[0], page.Alerts[1])
		}
	})
}
