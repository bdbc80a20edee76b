package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// TestRouteTable pins every route and its role: adding a route means
// adding it here, with the role it needs.
func TestRouteTable(t *testing.T) {
	const public = "public"
	want := map[string]string{
		"GET /healthz":                                        public,
		"GET /readyz":                                         public,
		"GET /api/v1/openapi.json":                            public,
		"GET /metrics":                                        "viewer",
		"GET /api/v1/incidents":                               "viewer",
		"POST /api/v1/incidents":                              "responder",
		"GET /api/v1/incidents/{id}":                          "viewer",
		"GET /api/v1/incidents/{id}/timeline":                 "viewer",
		"GET /api/v1/incidents/{id}/export":                   "viewer",
		"GET /api/v1/incidents/{id}/verify":                   "viewer",
		"GET /api/v1/incident-counts":                         "viewer",
		"POST /api/v1/incidents/{id}/acknowledge":             "responder",
		"POST /api/v1/incidents/{id}/severity":                "responder",
		"POST /api/v1/incidents/{id}/roles":                   "responder",
		"DELETE /api/v1/incidents/{id}/roles/{role}/{person}": "responder",
		"POST /api/v1/incidents/{id}/stage":                   "responder",
		"POST /api/v1/incidents/{id}/notes":                   "responder",
		"PATCH /api/v1/incidents/{id}":                        "responder",
		"POST /api/v1/incidents/{id}/escalate":                "responder",
		"POST /api/v1/incidents/{id}/page":                    "responder",
		"POST /api/v1/incidents/{id}/resolve":                 "responder",
		"POST /api/v1/incidents/{id}/reopen":                  "responder",
		"POST /api/v1/incidents/{id}/members":                 "responder",
		"GET /api/v1/incidents/{id}/checklist":                "viewer",
		"GET /api/v1/incidents/{id}/evidence":                 "viewer",
		"POST /api/v1/incidents/{id}/evidence":                "responder",
		"GET /api/v1/incidents/{id}/evidence/{ref}":           "viewer",
		"POST /api/v1/incidents/{id}/regulator":               "responder",
		"GET /api/v1/incidents/{id}/report":                   "viewer",
		"GET /api/v1/playbooks/{id}":                          "viewer",
		"POST /api/v1/incidents/{id}/checklist/add":           "responder",
		"POST /api/v1/incidents/{id}/playbooks":               "responder",
		"DELETE /api/v1/incidents/{id}/playbooks/{playbook}":  "responder",
		"POST /api/v1/incidents/{id}/checklist/check":         "responder",
		"POST /api/v1/incidents/{id}/checklist/uncheck":       "responder",
		"GET /api/v1/playbooks":                               "viewer",
		"GET /api/v1/incidents/{id}/review":                   "viewer",
		"POST /api/v1/incidents/{id}/review/request":          "responder",
		"POST /api/v1/incidents/{id}/review/owner":            "responder",
		"POST /api/v1/incidents/{id}/review/schedule":         "responder",
		"POST /api/v1/incidents/{id}/review/star":             "responder",
		"PUT /api/v1/incidents/{id}/review":                   "responder",
		"POST /api/v1/incidents/{id}/review/approve":          "responder",
		"POST /api/v1/incidents/{id}/review/unschedule":       "responder",
		"POST /api/v1/incidents/{id}/review/publish":          "responder",
		"POST /api/v1/incidents/{id}/action-items":            "responder",
		"PATCH /api/v1/incidents/{id}/action-items/{item}":    "responder",
		"GET /api/v1/action-items":                            "viewer",
		"POST /api/v1/action-items/{item}/push":               "responder",
		"GET /api/v1/reports":                                 "viewer",
		"GET /api/v1/guide/review":                            "viewer",
		"POST /api/v1/guide/review":                           "responder",
		"GET /api/v1/reports.csv":                             "viewer",
		"GET /api/v1/policy":                                  "viewer",
		"GET /api/v1/people":                                  "viewer",
		"GET /api/v1/services":                                "viewer",
		"GET /api/v1/me":                                      "viewer",
		"POST /api/v1/tokens":                                 "admin",
		"GET /api/v1/tokens":                                  "admin",
		"DELETE /api/v1/tokens/{id}":                          "admin",
		// Detection: signed webhooks (public, authenticated by integration key) and their API.
		"POST /integrations/alertmanager":         public,
		"POST /integrations/grafana":              public,
		"PUT /integrations/grafana":               public,
		"POST /integrations/generic":              public,
		"POST /v2/enqueue":                        public,
		"POST /v2/change/enqueue":                 public,
		"GET /heartbeat/{key}":                    public,
		"POST /heartbeat/{key}":                   public,
		"POST /integrations/slack/events":         public,
		"POST /integrations/slack/commands":       public,
		"POST /integrations/slack/interactions":   public,
		"POST /hooks/github":                      public,
		"POST /api/v1/integrations":               "admin",
		"GET /api/v1/integrations":                "admin",
		"POST /api/v1/integrations/{id}/rotate":   "admin",
		"DELETE /api/v1/integrations/{id}":        "admin",
		"GET /api/v1/alerts":                      "viewer",
		"GET /api/v1/incidents/{id}/alerts":       "viewer",
		"GET /api/v1/maintenance-windows":         "viewer",
		"POST /api/v1/maintenance-windows":        "responder",
		"DELETE /api/v1/maintenance-windows/{id}": "responder",
		// Console users API.
		"POST /api/v1/subscribers/import":    "admin",
		"GET /api/v1/subscribers":            "admin",
		"DELETE /api/v1/subscribers/{id}":    "admin",
		"POST /api/v1/users":                 "admin",
		"GET /api/v1/users":                  "admin",
		"GET /api/v1/audit":                  "admin",
		"GET /api/v1/audit/export":           "admin",
		"GET /api/v1/audit/verify":           "admin",
		"POST /api/v1/users/{id}/role":       "admin",
		"POST /api/v1/users/{id}/person":     "admin",
		"POST /api/v1/users/{id}/disable":    "admin",
		"POST /api/v1/users/{id}/login-link": "admin",
		// Web console: sign-in and assets are public; pages need a session.
		"GET /login":                                       public,
		"POST /login":                                      public,
		"GET /login/link":                                  public,
		"POST /login/link":                                 public,
		"POST /logout":                                     public,
		"GET /static/{file}":                               public,
		"GET /{$}":                                         "viewer",
		"GET /incidents":                                   "viewer",
		"GET /incidents/{id}":                              "viewer",
		"GET /guide":                                       "viewer",
		"GET /account":                                     "viewer",
		"POST /account/password":                           "viewer",
		"GET /live/dashboard":                              "viewer",
		"GET /live/incidents/{id}":                         "viewer",
		"GET /incidents/new":                               "responder",
		"POST /incidents":                                  "responder",
		"POST /incidents/{id}/acknowledge":                 "responder",
		"POST /incidents/{id}/severity":                    "responder",
		"POST /incidents/{id}/stage":                       "responder",
		"POST /incidents/{id}/roles":                       "responder",
		"POST /incidents/{id}/commander":                   "responder",
		"POST /incidents/{id}/notes":                       "responder",
		"POST /incidents/{id}/update":                      "responder",
		"POST /incidents/{id}/escalate":                    "responder",
		"POST /incidents/{id}/page":                        "responder",
		"POST /incidents/{id}/resolve":                     "responder",
		"POST /incidents/{id}/reopen":                      "responder",
		"POST /incidents/{id}/checklist/check":             "responder",
		"POST /incidents/{id}/checklist/uncheck":           "responder",
		"POST /incidents/{id}/playbooks":                   "responder",
		"POST /incidents/{id}/playbooks/{playbook}/detach": "responder",
		"GET /incidents/{id}/review":                       "viewer",
		"GET /incidents/{id}/review.md":                    "viewer",
		"POST /incidents/{id}/evidence":                    "responder",
		"GET /incidents/{id}/evidence/{ref}":               "viewer",
		"POST /incidents/{id}/regulator":                   "responder",
		"GET /incidents/{id}/report":                       "viewer",
		"GET /incidents/{id}/report.md":                    "viewer",
		"GET /playbooks/{id}":                              "viewer",
		"POST /incidents/{id}/checklist/add":               "responder",
		"GET /incidents/{id}/review/print":                 "viewer",
		"GET /action-items":                                "viewer",
		"GET /reports":                                     "viewer",
		"POST /incidents/{id}/review":                      "responder",
		"POST /incidents/{id}/review/schedule":             "responder",
		"POST /incidents/{id}/review/owner":                "responder",
		"POST /incidents/{id}/review/star":                 "responder",
		"POST /incidents/{id}/review/approve":              "responder",
		"POST /incidents/{id}/review/request":              "responder",
		"POST /incidents/{id}/review/unschedule":           "responder",
		"POST /incidents/{id}/review/publish":              "responder",
		"POST /incidents/{id}/action-items":                "responder",
		"POST /incidents/{id}/action-items/{item}":         "responder",
		"POST /incidents/{id}/action-items/{item}/push":    "responder",
		"GET /admin/users":                                 "admin",
		"POST /admin/users":                                "admin",
		"POST /admin/users/{id}/role":                      "admin",
		"POST /admin/users/{id}/person":                    "admin",
		"POST /admin/users/{id}/disable":                   "admin",
		"GET /admin/integrations":                          "admin",
		"POST /admin/integrations":                         "admin",
		"POST /admin/integrations/{id}/rotate":             "admin",
		"POST /admin/integrations/{id}/delete":             "admin",
		"GET /admin/audit":                                 "admin",
		// Communications: public updates, the internal status page (API
		// and console), the public status page, its feeds and JSON.
		"GET /api/v1/incidents/{id}/public-updates":                   "viewer",
		"POST /api/v1/incidents/{id}/public-updates":                  "responder",
		"POST /api/v1/incidents/{id}/public-updates/{number}/approve": "responder",
		"POST /api/v1/incidents/{id}/public-updates/{number}/reject":  "responder",
		"GET /api/v1/incidents/{id}/public-updates/template":          "viewer",
		"GET /api/v1/status/internal":                                 "viewer",
		"GET /api/v1/status/compliance":                               "viewer",
		"GET /status/internal":                                        "viewer",
		"POST /incidents/{id}/public-updates":                         "responder",
		"POST /incidents/{id}/public-updates/{number}/approve":        "responder",
		"POST /incidents/{id}/public-updates/{number}/reject":         "responder",
		"GET /status":                                      public,
		"GET /status/history":                              public,
		"GET /status/incidents/{id}":                       public,
		"GET /status/incidents/{id}/postmortem":            public,
		"GET /history.atom":                                public,
		"GET /history.rss":                                 public,
		"GET /api/v2/summary.json":                         public,
		"GET /api/v2/status.json":                          public,
		"GET /api/v2/components.json":                      public,
		"GET /api/v2/incidents.json":                       public,
		"GET /api/v2/incidents/unresolved.json":            public,
		"GET /api/v2/scheduled-maintenances.json":          public,
		"GET /api/v2/scheduled-maintenances/upcoming.json": public,
		"GET /api/v2/scheduled-maintenances/active.json":   public,
		"POST /status/subscribe":                           public,
		"GET /status/subscribe/{token}":                    public,
		"POST /status/subscribe/{token}":                   public,
		"GET /status/unsubscribe/{token}":                  public,
		"POST /status/unsubscribe/{token}":                 public,
	}
	routes := web.Routes(newEnv(t).handler)
	got := map[string]string{}
	for _, r := range routes {
		key := r.Method + " " + r.Pattern
		if _, dup := got[key]; dup {
			t.Errorf("%s registered twice", key)
		}
		switch {
		case r.Public && r.Role != "":
			t.Errorf("%s is public but declares role %q", key, r.Role)
		case r.Public:
			got[key] = public
		case !r.Role.Valid():
			t.Errorf("%s has no valid role (%q) and is not public", key, r.Role)
		default:
			got[key] = string(r.Role)
		}
	}
	for k, role := range want {
		if got[k] != role {
			t.Errorf("%s: role %q, want %q", k, got[k], role)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected route %s (role %q): add it to this table", k, got[k])
		}
	}
}

// samplePath fills a route pattern's wildcards.
func samplePath(pattern string) string {
	return strings.NewReplacer("{id}", "INC-1", "{item}", "A-1", "{role}", "sme", "{person}", "alice", "{$}", "").Replace(pattern)
}

// TestEveryRouteNeedsItsRole calls every non-public route without a token,
// with a bad token, and with a token whose role falls just short.
func TestEveryRouteNeedsItsRole(t *testing.T) {
	e := newEnv(t)
	e.declare(t, `{"title":"Checkout down","severity":"P1"}`)
	below := map[fireline.Role]string{
		fireline.RoleViewer:    guestToken,
		fireline.RoleResponder: viewerToken,
		fireline.RoleAdmin:     responderToken,
	}
	routes := web.Routes(e.handler)
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	for _, r := range routes {
		if r.Public {
			continue
		}
		path := samplePath(r.Pattern)
		if r.Console {
			// Console routes authenticate by session cookie, never by
			// token: without a session, they send the browser to /login.
			// cmd/fireline/access_test.go checks their roles with real
			// sessions on a running server.
			t.Run(r.Method+" "+r.Pattern, func(t *testing.T) {
				for _, tok := range []string{"", "fl_wrong", adminToken} {
					w := e.do(t, r.Method, path, tok, `{}`)
					if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
						t.Errorf("token %q: %d Location %q, want 303 to /login", tok, w.Code, loc)
					}
				}
			})
			continue
		}
		t.Run(r.Method+" "+r.Pattern, func(t *testing.T) {
			w := e.do(t, r.Method, path, "", `{}`)
			decodeProblem(t, w, http.StatusUnauthorized)
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
			decodeProblem(t, e.do(t, r.Method, path, "fl_wrong", `{}`), http.StatusUnauthorized)
			p := decodeProblem(t, e.do(t, r.Method, path, below[r.Role], `{}`), http.StatusForbidden)
			if !strings.Contains(p.Detail, string(r.Role)) {
				t.Errorf("403 detail %q does not name the role %s", p.Detail, r.Role)
			}
			if w := e.do(t, r.Method, path, adminToken, `{}`); w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
				t.Errorf("admin got %d: %s", w.Code, w.Body)
			}
		})
	}
}

func TestPublicRoutes(t *testing.T) {
	e := newEnv(t)
	for _, r := range web.Routes(e.handler) {
		if !r.Public {
			continue
		}
		if signedWebhook(r.Pattern) { // public but signed: never accepted without a key
			if w := e.do(t, r.Method, r.Pattern, "", ""); w.Code < 400 {
				t.Errorf("%s %s without a key: %d %s", r.Method, r.Pattern, w.Code, w.Body)
			}
			continue
		}
		if r.Console && r.Method == http.MethodPost {
			continue // sign-in and logout posts: cmd/fireline browser and access tests
		}
		if r.Console {
			r.Pattern = strings.ReplaceAll(r.Pattern, "{file}", "console.css")
		}
		if strings.Contains(r.Pattern, "subscribe") { // signed links and a form: never a 2xx without them
			if w := e.do(t, r.Method, r.Pattern, "", ""); w.Code < 400 {
				t.Errorf("%s %s without a signed link or a form: %d", r.Method, r.Pattern, w.Code)
			}
			continue
		}
		if strings.HasPrefix(r.Pattern, "/status/incidents/{id}") { // no such public incident
			if w := e.do(t, r.Method, strings.ReplaceAll(r.Pattern, "{id}", "abcdefghijkl"), "", ""); w.Code != http.StatusNotFound {
				t.Errorf("%s %s without a token: %d %s", r.Method, r.Pattern, w.Code, w.Body)
			}
			continue
		}
		if w := e.do(t, r.Method, r.Pattern, "", ""); w.Code != http.StatusOK {
			t.Errorf("%s %s without a token: %d %s", r.Method, r.Pattern, w.Code, w.Body)
		}
	}
}

// signedWebhook reports whether a public route is an inbound webhook that
// the integration key authenticates.
func signedWebhook(pattern string) bool {
	for _, p := range []string{"/integrations/", "/v2/", "/heartbeat/", "/hooks/"} {
		if strings.HasPrefix(pattern, p) {
			return true
		}
	}
	return false
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, "GET", "/healthz", "", "")
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", w.Code, w.Body)
	}
	if w := e.do(t, "GET", "/readyz", "", ""); w.Code != 200 {
		t.Errorf("readyz: %d %s", w.Code, w.Body)
	}
	e.health.err = fireline.Errorf(fireline.EUnavailable, "database unreachable")
	p := decodeProblem(t, e.do(t, "GET", "/readyz", "", ""), http.StatusServiceUnavailable)
	if p.Detail != "database unreachable" {
		t.Errorf("readyz detail %q", p.Detail)
	}
}
