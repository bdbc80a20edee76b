package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// Bad input at the doors (docs/adr/0050): text that PostgreSQL cannot
// store or that is not UTF-8 is answered 4xx naming the field, or, for a
// NUL in an alert's descriptive text, stored with U+FFFD in its place; the
// two databases answer alike and never 5xx.

// problemBody is a problem+json answer.
type problemBody struct {
	Status int
	Detail string
	Errors []struct{ Location, Message string }
}

// wantProblem checks a 400 problem+json answer naming field with a message
// containing msg.
func wantProblem(t *testing.T, what string, code int, hdr http.Header, body []byte, field, msg string) {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(body, &p); err != nil || code != http.StatusBadRequest || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: %d %s %s, want 400 problem+json", what, code, hdr.Get("Content-Type"), body)
		return
	}
	for _, e := range p.Errors {
		if e.Location == field && strings.Contains(e.Message, msg) {
			return
		}
	}
	t.Errorf("%s: %s, want an error at %q saying %q", what, body, field, msg)
}

// wantPDInvalid checks PagerDuty's own 400 answer with an error naming
// field and containing msg.
func wantPDInvalid(t *testing.T, what string, code int, body []byte, field, msg string) {
	t.Helper()
	var a struct {
		Status, Message string
		Errors          []string
	}
	json.Unmarshal(body, &a)
	if code != http.StatusBadRequest || a.Status != "invalid event" || a.Message != "Event object is invalid" {
		t.Errorf("%s: %d %s, want PagerDuty's 400 invalid event", what, code, body)
		return
	}
	for _, e := range a.Errors {
		if strings.Contains(e, field) && strings.Contains(e, msg) {
			return
		}
	}
	t.Errorf("%s: %s, want an error naming %q saying %q", what, body, field, msg)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNULInAlertTextIsReplaced: a NUL in an alert's summary, source,
// labels or annotations, or in a change event, is stored as U+FFFD through
// every webhook door, on both databases; the alert is not lost.
func TestNULInAlertTextIsReplaced(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		gf := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway")
		gn := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		pd := s.createIntegration(t, "--type", "pagerduty", "--service", "api-gateway")
		now := s.clock.Now()
		a := amAlert("firing", "web-1\x00", "warning", now) // as mktxp pads its labels (akpw/mktxp#326)
		a.Annotations["summary"] = "am\x00 latency high"
		grafanaBody := mustJSON(t, map[string]any{"version": "1", "status": "firing", "receiver": "fireline", "alerts": []map[string]any{{
			"status": "firing", "labels": map[string]string{"alertname": "HighCPU", "instance\x00": "api-1"},
			"annotations": map[string]string{"summary": "grafana\x00 CPU high"}, "startsAt": now}}})
		for _, c := range []struct{ name, path, key, body string }{
			{"alertmanager", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a)},
			{"grafana", "/integrations/grafana", gf.Key, grafanaBody},
			{"generic", "/integrations/generic", gn.Key, mustJSON(t, map[string]any{"summary": "generic\x00 checkout fails", "dedup_key": "ticket-1", "labels": map[string]string{"team": "pay\x00"}})},
			{"pagerduty", "/v2/enqueue", "", mustJSON(t, map[string]any{"routing_key": pd.Key, "event_action": "trigger", "dedup_key": "pd-1",
				"payload": map[string]string{"summary": "pagerduty\x00 disk full", "source": "db\x00-1", "severity": "warning"}})},
		} {
			code, _, body := s.request(t, "POST", c.path, c.key, c.body)
			if code/100 != 2 {
				t.Errorf("%s: NUL in the summary: %d %s, want 2xx", c.name, code, body)
			}
		}
		page := s.alerts(t, adminSecret)
		if len(page.Alerts) != 4 {
			t.Fatalf("%d alerts stored, want 4: %+v", len(page.Alerts), page.Alerts)
		}
		for _, al := range page.Alerts {
			text := al.Summary + al.Source + fmt.Sprint(al.Labels) + fmt.Sprint(al.Annotations)
			if strings.ContainsRune(text, 0) || !strings.Contains(al.Summary, "\uFFFD") {
				t.Errorf("alert %q: summary %q source %q labels %q annotations %q, want each NUL stored as U+FFFD", al.DedupKey, al.Summary, al.Source, al.Labels, al.Annotations)
			}
		}
		code, _, body := s.request(t, "POST", "/v2/change/enqueue", "", mustJSON(t, map[string]any{"routing_key": pd.Key,
			"payload": map[string]string{"summary": "Deploy\x00 4711", "source": "ci"}, "links": []map[string]string{{"href": "https://ci.example/4711", "text": "build\x00"}}}))
		wantStatus(t, "change event with a NUL", code, body, http.StatusAccepted)
		var events struct{ Events []fireline.Event }
		s.cliJSON(t, adminSecret, &events, "incident", "log", "INC-1")
		found := false
		for _, e := range events.Events {
			if e.Type == fireline.EventChangeEvent {
				var d fireline.ChangeEventData
				json.Unmarshal(e.Data, &d)
				found = d.Summary == "Deploy\uFFFD 4711" && d.Links[0].Text == "build\uFFFD"
			}
		}
		if !found {
			t.Errorf("no change event with the NUL replaced on INC-1's timeline")
		}
	})
}

// TestBadDedupKeysAreRefused: a dedup key with a NUL, or that is not
// UTF-8, is refused 400 naming the field, through each door; invalid
// UTF-8 anywhere in a payload too. Two different invalid keys are no
// longer stored as one. Nothing is stored.
func TestBadDedupKeysAreRefused(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		gf := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway")
		gn := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		pd := s.createIntegration(t, "--type", "pagerduty", "--service", "api-gateway")
		pdEvent := func(key, summary, details string) string {
			return `{"routing_key":"` + pd.Key + `","event_action":"trigger","dedup_key":"` + key + `","payload":{"summary":"` + summary +
				`","source":"db-1","severity":"error","custom_details":{"note":"` + details + `"}}}`
		}
		for _, c := range []struct{ name, body, field, msg string }{
			{"NUL dedup key", pdEvent(`k\u0000`, "disk full", "x"), "dedup_key", "NUL"},
			{"invalid UTF-8 dedup key", pdEvent("k\xff", "disk full", "x"), "dedup_key", "UTF-8"},
			{"another invalid UTF-8 dedup key", pdEvent("k\xfe", "disk full", "x"), "dedup_key", "UTF-8"},
			{"invalid UTF-8 summary", pdEvent("k", "disk \xc3 full", "x"), "payload.summary", "UTF-8"},
			{"invalid UTF-8 custom details", pdEvent("k", "disk full", "\xff"), "payload.custom_details.note", "UTF-8"},
		} {
			code, _, body := s.request(t, "POST", "/v2/enqueue", "", c.body)
			wantPDInvalid(t, "/v2/enqueue: "+c.name, code, body, c.field, c.msg)
		}
		code, _, body := s.request(t, "POST", "/v2/change/enqueue", "", `{"routing_key":"`+pd.Key+`","payload":{"summary":"Deploy `+"\xff"+`","source":"ci"}}`)
		wantPDInvalid(t, "/v2/change/enqueue: invalid UTF-8 summary", code, body, "payload.summary", "UTF-8")

		amBody := func(fingerprint, instance string) string {
			return `{"version":"4","status":"firing","alerts":[{"status":"firing","fingerprint":"` + fingerprint + `","labels":{"alertname":"HighLatency","instance":"` +
				instance + `"},"startsAt":"2026-12-01T15:00:00Z"}]}`
		}
		for _, c := range []struct{ name, path, key, body, field, msg string }{
			{"alertmanager NUL fingerprint", "/integrations/alertmanager", am.Key, amBody(`f\u0000`, "web-1"), "alerts[0].dedup_key", "NUL"},
			{"alertmanager invalid UTF-8 fingerprint", "/integrations/alertmanager", am.Key, amBody("f\xff", "web-1"), "alerts[0].fingerprint", "UTF-8"},
			{"alertmanager invalid UTF-8 label", "/integrations/alertmanager", am.Key, amBody("f1", "web-\xff"), "alerts[0].labels.instance", "UTF-8"},
			{"grafana invalid UTF-8 summary", "/integrations/grafana", gf.Key, `{"version":"1","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"annotations":{"summary":"` + "\xff" + `"}}]}`, "alerts[0].annotations.summary", "UTF-8"},
			{"generic NUL dedup key", "/integrations/generic", gn.Key, `{"summary":"checkout fails","dedup_key":"t\u0000"}`, "alerts[0].dedup_key", "NUL"},
			{"generic invalid UTF-8 dedup key", "/integrations/generic", gn.Key, `{"summary":"checkout fails","dedup_key":"t` + "\xff" + `"}`, "dedup_key", "UTF-8"},
			{"generic invalid UTF-8 in an array", "/integrations/generic", gn.Key, `[{"summary":"a"},{"summary":"` + "\xff" + `"}]`, "[1].summary", "UTF-8"},
		} {
			code, hdr, body := s.request(t, "POST", c.path, c.key, c.body)
			wantProblem(t, c.name, code, hdr, body, c.field, c.msg)
		}
		if page := s.alerts(t, adminSecret); len(page.Alerts) != 0 {
			t.Errorf("refused requests stored alerts: %+v", page.Alerts)
		}
		var list struct{ Incidents []fireline.Incident }
		s.cliJSON(t, adminSecret, &list, "incident", "list")
		if len(list.Incidents) != 0 {
			t.Errorf("refused requests opened incidents: %+v", list.Incidents)
		}
	})
}

// TestBadTextAtTheAPI: a NUL or invalid UTF-8 in a JSON API body, a query
// parameter, a path or a console form is answered 400 naming the field on
// both databases, and nothing changes.
func TestBadTextAtTheAPI(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		code, _, body := s.request(t, "POST", "/api/v1/incidents", adminSecret, `{"title":"Checkout slow","severity":"P3"}`)
		wantStatus(t, "declare", code, body, http.StatusCreated)
		for _, bad := range []struct{ name, json, msg string }{{"NUL", `\u0000`, "NUL"}, {"invalid UTF-8", "\xff", "UTF-8"}} {
			for _, c := range []struct{ method, path, body, field string }{
				{"POST", "/api/v1/incidents", `{"title":"Checkout` + bad.json + `","severity":"P3"}`, "title"},
				{"PATCH", "/api/v1/incidents/INC-1", `{"impact":"EU` + bad.json + `"}`, "impact"},
				{"POST", "/api/v1/incidents/INC-1/notes", `{"text":"seen` + bad.json + `"}`, "text"},
				{"POST", "/api/v1/incidents/INC-1/severity", `{"severity":"P2","reason":"more` + bad.json + `"}`, "reason"},
				{"POST", "/api/v1/tokens", `{"name":"bot` + bad.json + `","role":"viewer","automation":"bot"}`, "name"},
				{"POST", "/api/v1/integrations", `{"type":"grafana","service":"api-gateway","signature_header":"X-Sig` + bad.json + `"}`, "signature_header"},
				{"POST", "/api/v1/maintenance-windows", `{"service":"api-gateway","for":"1h","reason":"db` + bad.json + `"}`, "reason"},
				{"POST", "/api/v1/users", `{"email":"sam@example.com","name":"Sam` + bad.json + `","role":"viewer","person":"alex"}`, "name"},
			} {
				code, hdr, body := s.request(t, c.method, c.path, adminSecret, c.body)
				wantProblem(t, bad.name+" in "+c.method+" "+c.path, code, hdr, body, c.field, bad.msg)
			}
		}
		for _, c := range []struct{ method, path, field, msg string }{
			{"GET", "/api/v1/incidents?q=x%00", "query.q", "NUL"},
			{"GET", "/api/v1/incidents?q=x%FF", "query.q", "UTF-8"},
			{"GET", "/api/v1/alerts?service=x%00", "query.service", "NUL"},
			{"GET", "/api/v1/alerts?integration=%FF", "query.integration", "UTF-8"},
			{"POST", "/api/v1/users/x%00/disable", "path.id", "NUL"},
			{"DELETE", "/api/v1/tokens/x%FF", "path.id", "UTF-8"},
			{"DELETE", "/api/v1/integrations/x%00", "path.id", "NUL"},
			{"DELETE", "/api/v1/maintenance-windows/x%FF", "path.id", "UTF-8"},
		} {
			code, hdr, body := s.request(t, c.method, c.path, adminSecret, "")
			wantProblem(t, c.method+" "+c.path, code, hdr, body, c.field, c.msg)
		}
		// The console: a form with a NUL is refused by the same checks,
		// and a login with one is a client error, not a 500.
		cookie := s.session(t, "responder", "alex")
		resp := s.console(t, "POST", "/incidents", cookie, url.Values{"title": {"Checkout\x00"}, "severity": {"P3"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("console declare with a NUL title: %d, want 400", resp.StatusCode)
		}
		if resp := s.console(t, "GET", "/incidents?q=x%00", cookie, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("console search with a NUL: %d, want 400", resp.StatusCode)
		}
		for _, email := range []string{"a\x00@example.com", "a\xff@example.com"} {
			if resp := s.postLogin(t, email, "a long enough password", nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("login as %q: %d, want 400", email, resp.StatusCode)
			}
		}
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		var list struct{ Incidents []fireline.Incident }
		s.cliJSON(t, adminSecret, &list, "incident", "list")
		if len(list.Incidents) != 1 || inc.Title != "Checkout slow" || inc.Impact != "" || inc.Severity != fireline.P3 {
			t.Errorf("refused requests changed incidents: %+v", list.Incidents)
		}
		var tokens struct{ Tokens []fireline.Token }
		s.cliJSON(t, adminSecret, &tokens, "token", "list")
		var integrations struct{ Integrations []fireline.Integration }
		s.cliJSON(t, adminSecret, &integrations, "integration", "list")
		if len(tokens.Tokens) != 1 || len(integrations.Integrations) != 0 {
			t.Errorf("refused requests stored %d tokens (want the bootstrap one only) and %d integrations",
				len(tokens.Tokens), len(integrations.Integrations))
		}
	})
}
