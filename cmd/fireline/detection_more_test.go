package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/ingest"
	"github.com/fireline-dev/fireline/policy"
)

// TestPagerDutyClient drives intake with PagerDuty's own Go client,
// pointed at the test server: trigger, acknowledge, resolve, a generated
// dedup key, a dropped follow-up, and a change event on the timeline.
func TestPagerDutyClient(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		pd := s.createIntegration(t, "--type", "pagerduty", "--service", "agent-orchestrator")
		client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(s.URL()))
		ctx := context.Background()
		event := func(action, key, severity string) *pagerduty.V2EventResponse {
			t.Helper()
			e := &pagerduty.V2Event{RoutingKey: pd.Key, Action: action, DedupKey: key, Client: "go-pagerduty"}
			if action == "trigger" {
				e.Payload = &pagerduty.V2Payload{Summary: "DOWN: orchestrator queue stuck", Source: "orch-1.example.com",
					Severity: severity, Timestamp: "2026-12-01T14:58:00.315+0000", Component: "queue", Group: "orchestrator",
					Details: map[string]any{"depth": 12000}}
			}
			resp, err := client.ManageEventWithContext(ctx, e)
			if err != nil {
				t.Fatalf("%s %s: %v", action, key, err)
			}
			if resp.Status != "success" || resp.Message != "Event processed" {
				t.Fatalf("%s %s: %+v", action, key, resp)
			}
			return resp
		}
		if r := event("trigger", "orch/queue", "critical"); r.DedupKey != "orch/queue" {
			t.Fatalf("dedup key %q", r.DedupKey)
		}
		event("trigger", "orch/queue", "critical") // appended to the open alert
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Severity != fireline.P1 || inc.Status != fireline.StatusTriggered {
			t.Fatalf("incident %+v", inc)
		}
		event("acknowledge", "orch/queue", "")
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Status != fireline.StatusAcknowledged {
			t.Fatalf("after acknowledge: %s", inc.Status)
		}
		change, err := client.CreateChangeEventWithContext(ctx, pagerduty.ChangeEvent{RoutingKey: pd.Key,
			Payload: pagerduty.ChangeEventPayload{Summary: "Deploy 4711 of the orchestrator", Source: "ci", Timestamp: "2026-12-01T14:50:00Z"},
			Links:   []pagerduty.ChangeEventLink{{Href: "https://ci.example/4711", Text: "build"}}})
		if err != nil || change.Status != "success" {
			t.Fatalf("change event: %+v %v", change, err)
		}
		event("resolve", "orch/queue", "")
		event("resolve", "orch/queue", "")                              // follow-up for a closed key: dropped
		event("acknowledge", "never-seen", "")                          // unknown key: dropped
		if r := event("trigger", "", "warning"); len(r.DedupKey) < 16 { // a key is made up and returned
			t.Fatalf("generated dedup key %q", r.DedupKey)
		}
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.Status != fireline.StatusAcknowledged {
			t.Fatalf("P1 after its alert resolved: %s, want acknowledged (no auto-resolve)", inc.Status)
		}
		var log struct{ Events []fireline.Event }
		s.cliJSON(t, adminSecret, &log, "incident", "log", "INC-1")
		var types []string
		for _, e := range log.Events {
			if detectionEvents[string(e.Type)] { // paging adds its own events; look at ours
				types = append(types, string(e.Type))
			}
		}
		if got := strings.Join(types, ","); got != "declared,alert_attached,acknowledged,stage_changed,change_event,alert_resolved,alert_attached" { // the last trigger joined the open incident of its service
			t.Fatalf("timeline %s", got)
		}
		for _, e := range log.Events {
			if e.Type == fireline.EventChangeEvent && !strings.Contains(string(e.Data), "Deploy 4711") ||
				e.Type == fireline.EventAlertAttached && !strings.HasPrefix(e.Actor, "automation:integration.") {
				t.Fatalf("%s %s by %s", e.Type, e.Data, e.Actor)
			}
		}
		page := s.alerts(t, adminSecret, "--integration", pd.Name)
		if len(page.Alerts) != 2 || page.Alerts[1].Count != 2 || page.Alerts[1].Status != fireline.AlertResolved || page.Alerts[0].Severity != fireline.P3 {
			t.Fatalf("alerts %+v", page.Alerts)
		}
	})
}

// TestMaintenanceGenericGrafana: a maintenance window records alerts
// without incidents; a security tool's alerts open restricted incidents
// whose alerts non-members cannot list; Grafana's HMAC is verified.
func TestMaintenanceGenericGrafana(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		viewer := s.newToken(t, "viewer", "jordan")
		gen := s.createIntegration(t, "--type", "generic", "--service", "web-dashboard")
		sec := s.createIntegration(t, "--type", "generic", "--service", "auth-service", "--source", "security", "--name", "siem")

		if r := s.cli(t, adminSecret, "maintenance", "create", "--service", "web-dashboard", "--start", "yesterday", "--end", "2h", "--reason", "Upgrade"); r.code == 0 || !strings.Contains(r.stderr, "--start must be") {
			t.Fatalf("bad --start: %+v", r)
		}
		s.mustCLI(t, adminSecret, "maintenance", "create", "--service", "web-dashboard", "--start", "now", "--end", "2h", "--reason", "Upgrade")
		code, _, body := s.request(t, "POST", "/integrations/generic", gen.Key, `{"summary":"Dashboard slow","dedup_key":"t-1","source":"zendesk"}`)
		wantStatus(t, "generic in maintenance", code, body, 200)
		if !strings.Contains(string(body), `"outcome":"suppressed"`) {
			t.Fatalf("in maintenance: %s", body)
		}
		var list struct{ Incidents []fireline.Incident }
		s.cliJSON(t, adminSecret, &list, "incident", "list")
		if len(list.Incidents) != 0 {
			t.Fatalf("maintenance opened %+v", list.Incidents)
		}
		if page := s.alerts(t, viewer, "--service", "web-dashboard"); len(page.Alerts) != 1 || !page.Alerts[0].Suppressed {
			t.Fatalf("suppressed alert not visible: %+v", page.Alerts)
		}
		s.clock.Advance(3 * time.Hour) // the window is over
		code, _, body = s.request(t, "POST", "/integrations/generic", gen.Key, `{"summary":"Dashboard slow again","dedup_key":"t-2","severity":"P4"}`)
		wantStatus(t, "generic after maintenance", code, body, 200)
		if !strings.Contains(string(body), `"incident":"INC-1"`) {
			t.Fatalf("after maintenance: %s", body)
		}

		code, _, body = s.request(t, "POST", "/integrations/generic", sec.Key, `[{"summary":"Impossible travel: kai","dedup_key":"ev-9","severity":"critical","labels":{"user":"kai"}}]`)
		wantStatus(t, "security tool", code, body, 200)
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-2")
		if !inc.Restricted || inc.Source != fireline.SourceSecurity {
			t.Fatalf("security incident %+v", inc)
		}
		if page := s.alerts(t, viewer); len(page.Alerts) != 2 {
			t.Fatalf("viewer sees %d alerts, want the 2 unrestricted ones", len(page.Alerts))
		}
		if r := s.cli(t, viewer, "alert", "list", "--incident", "INC-2"); r.code == 0 || strings.Contains(r.stdout, "Impossible") {
			t.Fatalf("non-member listed a restricted incident's alerts: %+v", r)
		}
		if page := s.alerts(t, adminSecret, "--integration", "siem"); len(page.Alerts) != 1 || page.Alerts[0].Incident != "INC-2" {
			t.Fatalf("admin: %+v", page.Alerts)
		}

		gf := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway", "--sign", "--timestamp-header", "X-Grafana-Alerting-Signature-Timestamp")
		payload, err := os.ReadFile("../../ingest/grafana/testdata/firing.json")
		if err != nil {
			t.Fatal(err)
		}
		ts := strconv.FormatInt(s.clock.Now().Unix(), 10)
		post := func(sig string) int {
			req, _ := http.NewRequest("PUT", s.URL()+"/integrations/grafana", bytes.NewReader(payload))
			req.Header.Set("Authorization", "Bearer "+gf.Key)
			req.Header.Set("X-Grafana-Alerting-Signature", sig)
			req.Header.Set("X-Grafana-Alerting-Signature-Timestamp", ts)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post(ingest.Sign("wrong", payload, ts)); code != 401 {
			t.Fatalf("bad signature: %d", code)
		}
		if code := post(ingest.Sign(gf.SigningSecret, payload, ts)); code != 200 {
			t.Fatalf("good signature: %d", code)
		}
		metrics := s.metrics(t)
		for _, want := range []string{`fireline_alerts_total{outcome="suppressed",type="generic"} 1`,
			`fireline_alerts_received_total{type="generic"} 3`, `fireline_alerts_total{outcome="created",type="grafana"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// startPolicyServer starts a test server on a policy edited from the
// default by replacing old with new.
func startPolicyServer(t *testing.T, dsn, old, new string) *testServer {
	t.Helper()
	src := string(policy.DefaultYAML())
	if !strings.Contains(src, old) {
		t.Fatalf("default policy lacks %q", old)
	}
	path := filepath.Join(t.TempDir(), "fireline.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(src, old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	clock := firelinetest.NewClock(businessHours)
	srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: dsn, PolicyPath: path,
		BootstrapToken: adminSecret, Now: clock.Now, Paging: pagingConfig{NoJobRunner: true}}, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}
}

// TestHeartbeatsRotationRateLimit: a missed heartbeat raises an alert, once,
// when its check (a job) falls due, and the next ping resolves it (manual
// clock, the runner's RunDue); a rotated key's old
// value works until its grace ends; an integration over its rate limit
// gets 429 with Retry-After.
func TestHeartbeatsRotationRateLimit(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startPolicyServer(t, dsn, "rate_limit: { per_second: 200, burst: 1000 }", "rate_limit: { per_second: 1, burst: 3 }")
		ctx := context.Background()
		hb := s.createIntegration(t, "--type", "heartbeat", "--service", "planning-system", "--interval", "10m")
		ping := func() int {
			code, _, _ := s.request(t, "POST", "/heartbeat/"+hb.Key, "", "")
			return code
		}
		if code := ping(); code != 200 {
			t.Fatalf("ping: %d", code)
		}
		checks := func(after time.Duration) int {
			t.Helper()
			s.clock.Advance(after)
			if _, err := s.paging.runner.RunDue(ctx, s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return len(s.alerts(t, adminSecret, "--integration", hb.Name).Alerts)
		}
		if n := checks(9 * time.Minute); n != 0 {
			t.Fatalf("%d alerts before the interval", n)
		}
		if n := checks(2 * time.Minute); n != 1 {
			t.Fatalf("%d alerts after a missed heartbeat, want 1", n)
		}
		if n := checks(10 * time.Minute); n != 1 {
			t.Fatalf("the missed heartbeat was raised %d times", n)
		}
		page := s.alerts(t, adminSecret, "--integration", hb.Name)
		if len(page.Alerts) != 1 || page.Alerts[0].Status != fireline.AlertFiring || page.Alerts[0].Incident == "" || page.Alerts[0].Count != 1 {
			t.Fatalf("missed heartbeat alert: %+v", page.Alerts)
		}
		if want := "expects a ping every 10m; the last came at "; !strings.Contains(page.Alerts[0].Summary, want) {
			t.Fatalf("summary %q, want %q", page.Alerts[0].Summary, want)
		}
		// One that was never pinged says so.
		silent := s.createIntegration(t, "--type", "heartbeat", "--service", "planning-system", "--interval", "1m", "--name", "silent")
		checks(2 * time.Minute)
		if page := s.alerts(t, adminSecret, "--integration", silent.Name); len(page.Alerts) != 1 || !strings.Contains(page.Alerts[0].Summary, "none has come since it was created at ") {
			t.Fatalf("never pinged: %+v", page.Alerts)
		}
		s.mustCLI(t, adminSecret, "integration", "delete", silent.ID)
		s.clock.Advance(time.Second) // a fresh rate-limit token
		if code := ping(); code != 200 {
			t.Fatalf("ping after miss: %d", code)
		}
		if page := s.alerts(t, adminSecret, "--integration", hb.Name); page.Alerts[0].Status != fireline.AlertResolved {
			t.Fatalf("the ping did not resolve the alert: %+v", page.Alerts[0])
		}

		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		var rotated fireline.CreatedIntegration
		s.cliJSON(t, adminSecret, &rotated, "integration", "rotate", am.ID, "--grace", "1h")
		if p := rotated.PreviousKeyExpiresAt; p == nil || !p.Equal(s.clock.Now().Add(time.Hour)) {
			t.Fatalf("previous key expires at %v, want in 1h", p)
		}
		body := amMessage(t, "firing", amAlert("firing", "web-1", "warning", s.clock.Now()))
		for _, key := range []string{am.Key, rotated.Key} {
			if code, _, b := s.request(t, "POST", "/integrations/alertmanager", key, body); code != 200 {
				t.Fatalf("within the grace period: %d %s", code, b)
			}
		}
		s.clock.Advance(time.Hour + time.Second)
		if code, _, _ := s.request(t, "POST", "/integrations/alertmanager", am.Key, body); code != 401 {
			t.Fatalf("old key after the grace period: %d, want 401", code)
		}
		// Burst 3: two tokens are left after the two above and this refill.
		codes := []int{}
		var retry string
		for range 4 {
			code, hdr, _ := s.request(t, "POST", "/integrations/alertmanager", rotated.Key, body)
			codes = append(codes, code)
			if code == 429 {
				retry = hdr.Get("Retry-After")
			}
		}
		if codes[0] != 200 || codes[3] != 429 || retry != "1" {
			t.Fatalf("rate limit: codes %v, Retry-After %q", codes, retry)
		}
		other := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway")
		newYork, err := time.LoadLocation("America/New_York") // the policy's calendar: the CLI prints its times there
		if err != nil {
			t.Fatal(err)
		}
		until := "The previous key keeps working until " + s.clock.Now().Add(2*time.Hour).In(newYork).Format("2006-01-02 15:04 -07:00") + "."
		if out := s.mustCLI(t, adminSecret, "integration", "rotate", other.ID, "--grace", "2h"); !strings.Contains(out, until) {
			t.Fatalf("rotate says:\n%s\nwant %q", out, until)
		}
		s.mustCLI(t, adminSecret, "integration", "delete", other.ID)
		s.mustCLI(t, adminSecret, "integration", "delete", am.ID)
		s.clock.Advance(time.Minute)
		if code, _, _ := s.request(t, "POST", "/integrations/alertmanager", rotated.Key, body); code != 401 {
			t.Fatalf("deleted integration: %d", code)
		}
		var ints struct{ Integrations []fireline.Integration }
		s.cliJSON(t, adminSecret, &ints, "integration", "list")
		raw, _ := json.Marshal(ints)
		if len(ints.Integrations) != 1 || strings.Contains(string(raw), rotated.Key) {
			t.Fatalf("integration list %s", raw)
		}
	})
}
