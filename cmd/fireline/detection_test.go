package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// createIntegration creates an integration through the CLI as admin.
func (s *testServer) createIntegration(t testing.TB, args ...string) fireline.CreatedIntegration {
	t.Helper()
	var ci fireline.CreatedIntegration
	s.cliJSON(t, adminSecret, &ci, append([]string{"integration", "create"}, args...)...)
	if len(ci.Key) != fireline.IntegrationKeyLength || ci.URL == "" {
		t.Fatalf("integration create printed %+v", ci)
	}
	return ci
}

// amMessage builds an Alertmanager webhook body with Alertmanager's own
// types, as version 0.35 sends it.
func amMessage(t testing.TB, status string, alerts ...template.Alert) string {
	t.Helper()
	m := webhook.Message{
		Version: "4", GroupKey: `{}:{alertname="HighLatency"}`,
		Data: &template.Data{
			Receiver: "fireline", Status: status, Alerts: alerts, NotificationReason: "first notification",
			GroupLabels: template.KV{"alertname": "HighLatency"}, CommonLabels: template.KV{"alertname": "HighLatency"},
			CommonAnnotations: template.KV{}, ExternalURL: "http://alertmanager.example:9093",
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func amAlert(status, instance, severity string, at time.Time) template.Alert {
	labels := template.KV{"alertname": "HighLatency", "instance": instance, "severity": severity}
	a := template.Alert{Status: status, Labels: labels, Annotations: template.KV{"summary": "Latency high on " + instance},
		StartsAt: at, GeneratorURL: "http://prometheus:9090/graph", Fingerprint: fireline.LabelsFingerprint(labels)}
	if status == "resolved" {
		a.EndsAt = at.Add(time.Minute)
	}
	return a
}

func (s *testServer) alerts(t *testing.T, token string, args ...string) fireline.AlertPage {
	t.Helper()
	var page fireline.AlertPage
	s.cliJSON(t, token, &page, append([]string{"alert", "list"}, args...)...)
	return page
}

func wantStatus(t *testing.T, what string, code int, body []byte, want int) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: %d %s, want %d", what, code, body, want)
	}
}

// TestAlertmanagerIntake: Alertmanager's webhook opens one incident per
// storm, deduplicates by fingerprint, records resolutions, auto-resolves
// P3 and leaves P1 for people.
func TestAlertmanagerIntake(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		if !strings.HasSuffix(am.URL, "/integrations/alertmanager") {
			t.Fatalf("url %q", am.URL)
		}
		now := s.clock.Now()
		a1, a2 := amAlert("firing", "web-1", "warning", now), amAlert("firing", "web-2", "warning", now)
		code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a1, a2))
		wantStatus(t, "first notification", code, body, http.StatusOK)
		var ans struct{ Alerts []fireline.AlertResult }
		json.Unmarshal(body, &ans)
		if len(ans.Alerts) != 2 || ans.Alerts[0].Outcome != fireline.OutcomeCreated || ans.Alerts[0].Incident != "INC-1" || ans.Alerts[1].Incident != "INC-1" {
			t.Fatalf("answer %s", body)
		}
		// The repeat notification is deduplicated by fingerprint.
		code, _, body = s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a1, a2))
		wantStatus(t, "repeat", code, body, http.StatusOK)
		if !strings.Contains(string(body), `"outcome":"deduplicated"`) {
			t.Fatalf("repeat: %s", body)
		}
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Severity != fireline.P3 || inc.Source != fireline.SourceMonitoring || len(inc.Services) != 1 || inc.Services[0] != "api-gateway" {
			t.Fatalf("incident %+v", inc)
		}
		page := s.alerts(t, adminSecret, "--service", "api-gateway")
		if len(page.Alerts) != 2 || page.Alerts[0].Count != 2 || page.Alerts[0].Status != fireline.AlertFiring {
			t.Fatalf("alerts %+v", page.Alerts)
		}
		// One resolves: the incident stays open; both resolved: P3 auto-resolves.
		s.clock.Advance(time.Minute)
		code, _, body = s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "resolved", amAlert("resolved", "web-1", "warning", now)))
		wantStatus(t, "resolve one", code, body, http.StatusOK)
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Status != fireline.StatusTriggered {
			t.Fatalf("after one resolved: %s", inc.Status)
		}
		code, _, body = s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "resolved", amAlert("resolved", "web-2", "warning", now)))
		wantStatus(t, "resolve two", code, body, http.StatusOK)
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Status != fireline.StatusResolved {
			t.Fatalf("after all resolved: %s", inc.Status)
		}
		page = s.alerts(t, adminSecret, "--incident", "INC-1")
		for _, a := range page.Alerts {
			if a.Status != fireline.AlertResolved || a.ResolvedAt == nil {
				t.Fatalf("alert %+v", a)
			}
		}
		var events struct{ Events []fireline.Event }
		s.cliJSON(t, adminSecret, &events, "incident", "log", "INC-1")
		types := []string{}
		for _, e := range events.Events {
			if detectionEvents[string(e.Type)] { // paging adds its own events; look at ours
				types = append(types, string(e.Type))
			}
		}
		// The two alerts of the first message are attached by one event.
		if got := strings.Join(types, ","); got != "declared,alert_attached,alert_resolved,alert_resolved,resolved" {
			t.Fatalf("timeline %s", got)
		}
		s.mustCLI(t, adminSecret, "incident", "export", "INC-1", "-f", t.TempDir()+"/x.json")

		// A storm after the resolution: a new incident, 1000 alerts in 10
		// concurrent batches of 100, all in it. Critical: P1, no auto-resolve.
		var wg sync.WaitGroup
		for b := range 10 {
			wg.Go(func() {
				var batch []template.Alert
				for i := range 100 {
					batch = append(batch, amAlert("firing", fmt.Sprintf("db-%d-%d", b, i), "critical", now))
				}
				code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", batch...))
				if code != http.StatusOK {
					t.Errorf("storm batch: %d %s", code, body)
				}
			})
		}
		wg.Wait()
		var list struct{ Incidents []fireline.Incident }
		s.cliJSON(t, adminSecret, &list, "incident", "list", "--open")
		if len(list.Incidents) != 1 || list.Incidents[0].ID != "INC-2" || list.Incidents[0].Severity != fireline.P1 {
			t.Fatalf("after the storm: %+v", list.Incidents)
		}
		page = s.alerts(t, adminSecret, "--incident", "INC-2", "--limit", "500")
		if len(page.Alerts) != 500 || page.NextCursor == "" {
			t.Fatalf("storm page: %d alerts, cursor %q", len(page.Alerts), page.NextCursor)
		}
		var resolved []template.Alert
		for b := range 10 {
			for i := range 100 {
				resolved = append(resolved, amAlert("resolved", fmt.Sprintf("db-%d-%d", b, i), "critical", now))
			}
		}
		code, _, body = s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "resolved", resolved...))
		wantStatus(t, "storm resolved", code, body, http.StatusOK)
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-2")
		if inc.Status != fireline.StatusTriggered {
			t.Fatalf("P1 after all alerts resolved: %s, want still triggered (auto-resolve is off for P1)", inc.Status)
		}
	})
}

// TestIntakeStatusCodes: 401 for wrong keys (before the body is read), 400
// with the reason for bad payloads, 413 past 512 KB (16 MB for
// Alertmanager: TestLargeAlertmanagerGroup), and nothing stored by any of
// them.
func TestIntakeStatusCodes(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		pd := s.createIntegration(t, "--type", "pagerduty", "--service", "api-gateway")
		gn := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		good := amMessage(t, "firing", amAlert("firing", "web-1", "warning", s.clock.Now()))
		for _, c := range []struct {
			name, path, key, body string
			want                  int
			contains              string
		}{
			{"no key", "/integrations/alertmanager", "", good, 401, "integration key"},
			{"wrong key", "/integrations/alertmanager", strings.Repeat("0", 32), good, 401, "unknown"},
			{"key of another type", "/integrations/alertmanager", pd.Key, good, 401, "pagerduty"},
			{"not JSON", "/integrations/alertmanager", am.Key, `{"version":`, 400, "not valid JSON"},
			{"no alerts", "/integrations/alertmanager", am.Key, `{"version":"4","status":"firing"}`, 400, "alerts is required"},
			{"no labels", "/integrations/alertmanager", am.Key, `{"version":"4","status":"firing","alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00Z"}]}`, 400, "labels are required"},
			{"too deep", "/integrations/alertmanager", am.Key, strings.Repeat("[", 100) + strings.Repeat("]", 100), 400, "nested"},
			{"too big", "/integrations/generic", gn.Key, `{"summary":"` + strings.Repeat("a", 600<<10) + `"}`, 413, "512 KB"},
			{"too big, no key", "/integrations/alertmanager", "", `{"version":"4","x":"` + strings.Repeat("a", 600<<10) + `"}`, 401, "integration key"},
			{"pd invalid", "/v2/enqueue", "", `{"routing_key":"` + pd.Key + `","event_action":"trigger","payload":{"summary":"x"}}`, 400, "payload.source"},
			{"pd wrong key", "/v2/enqueue", "", `{"routing_key":"nope","event_action":"trigger"}`, 401, "unauthorized"},
		} {
			code, hdr, body := s.request(t, "POST", c.path, c.key, c.body)
			if code != c.want || !strings.Contains(string(body), c.contains) {
				t.Errorf("%s: %d %s, want %d containing %q", c.name, code, body, c.want, c.contains)
			}
			if c.path != "/v2/enqueue" && !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: content type %q", c.name, hdr.Get("Content-Type"))
			}
		}
		var pdErr struct {
			Status, Message string
			Errors          []string
		}
		_, _, body := s.request(t, "POST", "/v2/enqueue", "", `{"routing_key":"`+pd.Key+`","event_action":"bogus"}`)
		json.Unmarshal(body, &pdErr)
		if pdErr.Status != "invalid event" || pdErr.Message != "Event object is invalid" || len(pdErr.Errors) == 0 {
			t.Errorf("PagerDuty error shape: %s", body)
		}
		if page := s.alerts(t, adminSecret); len(page.Alerts) != 0 {
			t.Fatalf("rejected requests stored alerts: %+v", page.Alerts)
		}
		metrics := s.metrics(t)
		for _, want := range []string{`fireline_alerts_total{outcome="rejected",type="alertmanager"} 4`, `fireline_alerts_total{outcome="rejected",type="pagerduty"} 2`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func (s *testServer) metrics(t *testing.T) string {
	t.Helper()
	code, _, body := s.request(t, "GET", "/metrics", adminSecret, "")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	return string(body)
}

// TestIntakeUnavailable: with the database gone, intake answers 503 so
// that senders retry, never 2xx.
func TestIntakeUnavailable(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
	body := amMessage(t, "firing", amAlert("firing", "web-1", "warning", s.clock.Now()))
	s.db.Close() // the database goes away under the running server
	code, hdr, resp := s.request(t, "POST", "/integrations/alertmanager", am.Key, body)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("with the database gone: %d %s, want 503", code, resp)
	}
}

// detectionEvents are the timeline events these tests follow.
var detectionEvents = map[string]bool{"declared": true, "alert_attached": true, "alert_resolved": true, "resolved": true,
	"acknowledged": true, "stage_changed": true, "change_event": true}
