package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
)

func TestDeclareAndGet(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, "POST", "/api/v1/incidents", responderToken, `{"title":" Checkout down ","severity":"P1","services":["api"]}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("declare: %d %s", w.Code, w.Body)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/incidents/INC-1" {
		t.Errorf("Location %q", loc)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "title", "severity", "status", "declared_at", "respond_by", "breaches", "head_hash"} {
		if _, ok := body[k]; !ok {
			t.Errorf("incident has no %q: %s", k, w.Body)
		}
	}
	if _, ok := body["$schema"]; ok {
		t.Errorf("incident carries huma's $schema: %s", w.Body)
	}
	w = e.do(t, "GET", "/api/v1/incidents/inc-1", viewerToken, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"title":"Checkout down"`) {
		t.Errorf("get: %d %s", w.Code, w.Body)
	}
	w = e.do(t, "GET", "/api/v1/incidents/INC-1/timeline", viewerToken, "")
	var tl struct{ Events []*fireline.Event }
	if err := json.Unmarshal(w.Body.Bytes(), &tl); err != nil || len(tl.Events) != 1 || tl.Events[0].Type != fireline.EventDeclared {
		t.Errorf("timeline: %d %s", w.Code, w.Body)
	}
}

func TestBodyErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, body string
		status     int
		fields     []string
		detail     string
	}{
		{"domain validation, every field", `{"severity":"P9"}`, 400, []string{"title", "severity"}, "invalid incident"},
		{"unknown field", `{"title":"x","severity":"P1","sevrity":"P2"}`, 400, []string{"sevrity"}, "invalid request body"},
		{"wrong type", `{"title":5,"severity":"P1"}`, 400, []string{"title"}, "invalid request body"},
		{"not JSON", `{"title":`, 400, nil, "not valid JSON"},
		{"two values", `{"title":"x","severity":"P1"} {}`, 400, nil, "one JSON value"},
		{"empty body", ``, 400, []string{"title", "severity"}, "invalid incident"},
		{"too large", `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, 413, nil, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decodeProblem(t, e.do(t, "POST", "/api/v1/incidents", responderToken, tc.body), tc.status)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tc.detail)
			}
			var fields []string
			for _, fe := range p.Errors {
				if fe.Message == "" {
					t.Errorf("field error %q without a message", fe.Location)
				}
				fields = append(fields, fe.Location)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tc.fields) {
				t.Errorf("field errors %v, want %v", fields, tc.fields)
			}
		})
	}
}

func TestErrorCodeMapping(t *testing.T) {
	for code, status := range map[string]int{
		fireline.EInvalid:      400,
		fireline.ENotFound:     404,
		fireline.EConflict:     409,
		fireline.EUnauthorized: 401,
		fireline.EForbidden:    403,
		fireline.EUnavailable:  503,
		fireline.EInternal:     500,
	} {
		t.Run(code, func(t *testing.T) {
			e := newEnv(t)
			e.incidents.fail = fireline.Errorf(code, "the %s message", code)
			p := decodeProblem(t, e.do(t, "GET", "/api/v1/incidents/INC-1", viewerToken, ""), status)
			want := "the " + code + " message"
			if code == fireline.EInternal {
				want = "internal error"
			}
			if p.Detail != want {
				t.Errorf("detail %q, want %q", p.Detail, want)
			}
		})
	}
}

func TestInternalErrorsAreHiddenAndLoggedOnce(t *testing.T) {
	e := newEnv(t)
	e.incidents.fail = errors.New("pq: password authentication failed for user secret")
	w := e.do(t, "GET", "/api/v1/incidents/INC-1", viewerToken, "")
	decodeProblem(t, w, 500)
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("internal detail leaked: %s", w.Body)
	}
	if n := strings.Count(e.logs.String(), `"msg":"internal error"`); n != 1 {
		t.Errorf("internal error logged %d times:\n%s", n, e.logs)
	}
	if !strings.Contains(e.logs.String(), "password authentication failed") {
		t.Errorf("the log lacks the cause:\n%s", e.logs)
	}
}

func TestUnknownRoutesAreProblems(t *testing.T) {
	e := newEnv(t)
	decodeProblem(t, e.do(t, "GET", "/api/v1/nothing", viewerToken, ""), http.StatusNotFound)
	decodeProblem(t, e.do(t, "GET", "/nothing", "", ""), http.StatusNotFound)
	w := e.do(t, "PUT", "/api/v1/incidents", viewerToken, "{}")
	decodeProblem(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") == "" {
		t.Error("405 without Allow")
	}
}

func TestListFilters(t *testing.T) {
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2026, 3, 2, 12, 30, 0, 0, time.UTC)
	yes, no := true, false
	for _, tc := range []struct {
		query string
		want  fireline.IncidentFilter
	}{
		{"", fireline.IncidentFilter{}},
		{"status=triggered,acknowledged&status=resolved", fireline.IncidentFilter{Status: []fireline.Status{"triggered", "acknowledged", "resolved"}}},
		{"severity=P1&severity=p2,P3", fireline.IncidentFilter{Severity: []fireline.Severity{"P1", "P2", "P3"}}},
		{"open=true&service=api&q=checkout+down", fireline.IncidentFilter{Open: &yes, Service: "api", Text: "checkout down"}},
		{"open=false", fireline.IncidentFilter{Open: &no}},
		{"since=2026-03-01T00:00:00Z&until=2026-03-02T13:30:00%2B01:00", fireline.IncidentFilter{Since: &since, Until: &until}},
		{"limit=20&cursor=abc", fireline.IncidentFilter{Limit: 20, Cursor: "abc"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			e := newEnv(t)
			w := e.do(t, "GET", "/api/v1/incidents?"+tc.query, viewerToken, "")
			if w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if got, want := jsonOf(e.incidents.lastFilter), jsonOf(tc.want); got != want {
				t.Errorf("filter %s, want %s", got, want)
			}
			if !strings.Contains(w.Body.String(), `"incidents":[]`) || !strings.Contains(w.Body.String(), `"next_cursor":""`) {
				t.Errorf("page %s", w.Body)
			}
		})
	}
}

func TestListFilterErrors(t *testing.T) {
	e := newEnv(t)
	q := "status=open&severity=P5&open=maybe&since=yesterday&until=2026-01-01&limit=501"
	p := decodeProblem(t, e.do(t, "GET", "/api/v1/incidents?"+q, viewerToken, ""), 400)
	var fields []string
	for _, fe := range p.Errors {
		fields = append(fields, fe.Location)
	}
	if want := "[status severity open since until limit]"; fmt.Sprint(fields) != want {
		t.Errorf("fields %v, want %s", fields, want)
	}
	p = decodeProblem(t, e.do(t, "GET", "/api/v1/incidents?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", viewerToken, ""), 400)
	if len(p.Errors) != 1 || p.Errors[0].Location != "until" {
		t.Errorf("until before since: %+v", p)
	}
}

func TestActions(t *testing.T) {
	e := newEnv(t)
	id := e.declare(t, `{"title":"Checkout down","severity":"P2"}`)
	base := "/api/v1/incidents/" + id
	for _, step := range []struct {
		method, path, body string
		check              func(*fireline.Incident) bool
	}{
		{"POST", "/acknowledge", ``, func(i *fireline.Incident) bool { return i.Status == fireline.StatusAcknowledged }},
		{"POST", "/severity", `{"severity":"P1","reason":"all regions"}`, func(i *fireline.Incident) bool { return i.Severity == "P1" }},
		{"POST", "/roles", `{"role":"sme","person":"bob"}`, func(i *fireline.Incident) bool { return len(i.Roles) == 1 }},
		{"DELETE", "/roles/sme/bob", ``, func(i *fireline.Incident) bool { return len(i.Roles) == 0 }},
		{"POST", "/stage", `{"stage":"mitigation"}`, func(i *fireline.Incident) bool { return i.Stage == fireline.StageMitigation }},
		{"POST", "/notes", `{"kind":"finding","text":"bad deploy"}`, func(i *fireline.Incident) bool { return i.EventCount == 8 }},
		{"PATCH", "", `{"impact":"no checkouts","eta":"2026-03-02T12:00:00Z"}`, func(i *fireline.Incident) bool { return i.Impact == "no checkouts" && i.ETA != nil }},
		// The request is recorded; the engine pages bob, and that page meets
		// the escalate-by clock (no engine here).
		{"POST", "/escalate", `{"to":"bob","note":"need db help"}`, func(i *fireline.Incident) bool { return i.Status.Open() && i.EscalatedAt == nil }},
		{"POST", "/members", `{"person":"carol"}`, func(i *fireline.Incident) bool { return i.HasMember("carol") }},
		{"POST", "/resolve", `{"summary":"rolled back"}`, func(i *fireline.Incident) bool { return i.Status == fireline.StatusResolved }},
		{"POST", "/reopen", `{"reason":"back again"}`, func(i *fireline.Incident) bool { return i.Status.Open() }},
	} {
		w := e.do(t, step.method, base+step.path, responderToken, step.body)
		var inc fireline.Incident
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &inc) != nil || !step.check(&inc) {
			t.Errorf("%s %s: %d %s", step.method, step.path, w.Code, w.Body)
		}
	}
	p := decodeProblem(t, e.do(t, "POST", base+"/reopen", responderToken, `{"reason":"again"}`), 409)
	if !strings.Contains(p.Detail, "is open") {
		t.Errorf("conflict detail %q", p.Detail)
	}
	decodeProblem(t, e.do(t, "POST", "/api/v1/incidents/INC-99/acknowledge", responderToken, ``), 404)
}

func TestExportVerifies(t *testing.T) {
	e := newEnv(t)
	id := e.declare(t, `{"title":"Checkout down","severity":"P2"}`)
	e.do(t, "POST", "/api/v1/incidents/"+id+"/acknowledge", responderToken, "")
	w := e.do(t, "GET", "/api/v1/incidents/"+id+"/export", viewerToken, "")
	var x fireline.Export
	if err := json.Unmarshal(w.Body.Bytes(), &x); err != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if err := fireline.VerifyExport(&x); err != nil {
		t.Errorf("export does not verify: %v", err)
	}
	if !x.ExportedAt.Equal(testClock) {
		t.Errorf("exported_at %v", x.ExportedAt)
	}
}

func TestRestrictedIncidentsFollowTheCaller(t *testing.T) {
	e := newEnv(t)
	e.declare(t, `{"title":"Leaked keys","severity":"P1","source":"security"}`)
	e.declare(t, `{"title":"Slow search","severity":"P3"}`)
	decodeProblem(t, e.do(t, "GET", "/api/v1/incidents/INC-1", viewerToken, ""), 404)
	metric := `fireline_incidents{severity="P1",status="triggered"} `
	if body := e.do(t, "GET", "/metrics", viewerToken, "").Body.String(); !strings.Contains(body, metric+"0") {
		t.Errorf("viewer's metrics count the restricted incident:\n%s", grep(body, "fireline_incidents"))
	}
	body := e.do(t, "GET", "/metrics", adminToken, "").Body.String()
	for _, want := range []string{metric + "1", `fireline_incidents{severity="P3",status="triggered"} 1`,
		`fireline_http_request_duration_seconds_count{code="201",method="POST",route="/api/v1/incidents"} 2`,
		`fireline_http_request_duration_seconds_count{code="404",method="GET",route="/api/v1/incidents/{id}"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("admin's metrics lack %s:\n%s", want, grep(body, "fireline_"))
		}
	}
}

func TestDirectoryAndMe(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/api/v1/policy":   `"organization":"Example"`,
		"/api/v1/people":   `{"people":[{"id":"alice","name":"Alice"}`,
		"/api/v1/services": `{"services":[{"id":"api"`,
		"/api/v1/me":       `{"token_id":"tok-`,
	} {
		if w := e.do(t, "GET", path, viewerToken, ""); w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	if w := e.do(t, "GET", "/api/v1/policy", viewerToken, ""); !strings.Contains(w.Body.String(), `"resolve":"4h"`) {
		t.Errorf("policy deadlines not in text form: %s", w.Body)
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	e.do(t, "GET", "/api/v1/me", viewerToken, "")
	var line struct {
		Msg, Method, Path, Actor string
		Status                   int
		Duration                 *float64 `json:"duration_ms"`
	}
	logs := strings.TrimSpace(e.logs.String())
	if strings.Count(logs, "\n") != 0 {
		t.Fatalf("want one log line, got:\n%s", logs)
	}
	if err := json.Unmarshal([]byte(logs), &line); err != nil {
		t.Fatal(err)
	}
	if line.Msg != "request" || line.Method != "GET" || line.Path != "/api/v1/me" || line.Status != 200 || line.Actor != "carol" || line.Duration == nil {
		t.Errorf("log line %s", logs)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, "POST", "/api/v1/tokens", adminToken, `{"role":"viewer","automation":"grafana"}`)
	var created map[string]any
	if w.Code != 201 || json.Unmarshal(w.Body.Bytes(), &created) != nil {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	secret, _ := created["token"].(string)
	if !strings.HasPrefix(secret, "fl_") || created["id"] == "" || created["role"] != "viewer" {
		t.Errorf("created %s", w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("the secret may be cached: Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	if w := e.do(t, "GET", "/api/v1/me", secret, ""); !strings.Contains(w.Body.String(), `"automation":"grafana"`) {
		t.Errorf("new token: %d %s", w.Code, w.Body)
	}
	if w := e.do(t, "GET", "/api/v1/tokens", adminToken, ""); !strings.Contains(w.Body.String(), `"tokens":[`) {
		t.Errorf("list: %d %s", w.Code, w.Body)
	}
	id := created["id"].(string)
	if w := e.do(t, "DELETE", "/api/v1/tokens/"+id, adminToken, ""); w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("revoke: %d %s", w.Code, w.Body)
	}
	decodeProblem(t, e.do(t, "DELETE", "/api/v1/tokens/"+id, adminToken, ""), 409)
	decodeProblem(t, e.do(t, "GET", "/api/v1/me", secret, ""), 401)
	p := decodeProblem(t, e.do(t, "POST", "/api/v1/tokens", adminToken, `{"role":"root"}`), 400)
	if len(p.Errors) != 2 {
		t.Errorf("token validation: %+v", p)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func grep(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
