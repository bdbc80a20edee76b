package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestRouteRoleMatrix enumerates every route of the running server: each
// protected route answers 401 without a token or with a bad one, and 403
// to a token whose role is below the route's.
func TestRouteRoleMatrix(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		tokens := map[fireline.Role]string{
			fireline.RoleViewer:    s.newToken(t, "viewer", "jordan"),
			fireline.RoleResponder: s.newToken(t, "responder", "alex"),
			fireline.RoleAdmin:     adminSecret,
		}
		s.mustCLI(t, tokens[fireline.RoleResponder], "incident", "declare", "--title", "t", "--severity", "P3")
		sessions := map[fireline.Role]string{
			fireline.RoleViewer:    s.session(t, "viewer", "jordan"),
			fireline.RoleResponder: s.session(t, "responder", "alex"),
			fireline.RoleAdmin:     s.session(t, "admin", "kai"),
		}
		routes := web.Routes(s.http.Handler)
		if len(routes) < 20 {
			t.Fatalf("only %d routes enumerated", len(routes))
		}
		for _, r := range routes {
			path := fillPattern(r.Pattern)
			if r.Public && isSignedWebhook(r.Pattern) {
				// Public but signed: the integration key authenticates.
				if code, _, body := s.request(t, r.Method, path, "", `{}`); code != http.StatusUnauthorized && code != http.StatusBadRequest {
					t.Errorf("signed %s %s without a key: %d %s, want 401 (or 400 for a body with no routing key)", r.Method, r.Pattern, code, body)
				}
				continue
			}
			if r.Public {
				if code, _, _ := s.request(t, r.Method, path, "", ""); code == http.StatusUnauthorized || code == http.StatusForbidden {
					t.Errorf("public %s %s answered %d without a token", r.Method, r.Pattern, code)
				}
				continue
			}
			if r.Role == "" {
				t.Errorf("%s %s declares no role", r.Method, r.Pattern)
			}
			if r.Console {
				checkConsoleRoute(t, s, r, path, sessions)
				continue
			}
			for _, tok := range []string{"", "fl_not_a_real_token_000000000000"} {
				code, hdr, body := s.request(t, r.Method, path, tok, "{}")
				if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s %s with token %q: %d %s %s, want 401 problem+json", r.Method, r.Pattern, tok, code, hdr.Get("Content-Type"), body)
				}
			}
			for role, tok := range tokens {
				if role.Includes(r.Role) {
					continue
				}
				if code, _, body := s.request(t, r.Method, path, tok, "{}"); code != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d %s, want 403", r.Method, r.Pattern, role, code, body)
				}
			}
		}
	})
}

// fillPattern turns a route pattern into a concrete path.
func fillPattern(p string) string {
	p = strings.TrimPrefix(p, "GET ")
	r := strings.NewReplacer("{id}", "INC-1", "{role}", "sme", "{person}", "kai", "{$}", "")
	p = r.Replace(p)
	for strings.Contains(p, "{") { // any other wildcard
		i, j := strings.Index(p, "{"), strings.Index(p, "}")
		p = p[:i] + "x" + p[j+1:]
	}
	return p
}

// TestRestrictedIncidents checks that a restricted incident does not exist
// for a non-member on any surface, and appears once they are added.
func TestRestrictedIncidents(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		kai := s.newToken(t, "responder", "kai")    // declares it: a member
		jordan := s.newToken(t, "viewer", "jordan") // not a member
		alex := s.newToken(t, "responder", "alex")  // not a member
		const canary = "canary-7f3a credential leak"
		var sec, open fireline.Incident
		// A P2 pages only the primary on-call (blake) at once, and people
		// paged become members; alex, the secondary, is not one yet.
		s.cliJSON(t, kai, &sec, "incident", "declare", "--title", canary, "--severity", "P2", "--source", "security")
		s.cliJSON(t, alex, &open, "incident", "declare", "--title", "ordinary slowness", "--severity", "P3")
		if !sec.Restricted || open.Restricted {
			t.Fatalf("security incident restricted=%v, ordinary restricted=%v", sec.Restricted, open.Restricted)
		}
		for _, who := range []struct {
			name, token string
		}{{"viewer jordan", jordan}, {"responder alex", alex}} {
			for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents?q=canary", "/api/v1/incidents?severity=P1",
				"/api/v1/incidents/" + sec.ID, "/api/v1/incidents/" + sec.ID + "/timeline",
				"/api/v1/incidents/" + sec.ID + "/export", "/api/v1/incidents/" + sec.ID + "/verify", "/metrics"} {
				code, _, body := s.request(t, "GET", path, who.token, "")
				if strings.Contains(string(body), "canary") {
					t.Errorf("%s sees the restricted incident at %s", who.name, path)
				}
				if strings.Contains(path, sec.ID) && code != http.StatusNotFound {
					t.Errorf("%s GET %s: %d, want 404", who.name, path, code)
				}
				if path == "/metrics" && metricValue(string(body), p2Triggered) != "0" {
					t.Errorf("%s: /metrics counts the restricted P2:\n%s", who.name, grepLines(string(body), "fireline_incidents"))
				}
			}
		}
		refused(t, s.cli(t, alex, "incident", "ack", sec.ID), "not found")
		// The admin and the declarer see it; adding alex makes alex a member.
		for _, tok := range []string{adminSecret, kai} {
			if code, _, _ := s.request(t, "GET", "/api/v1/incidents/"+sec.ID, tok, ""); code != http.StatusOK {
				t.Errorf("member/admin GET: %d", code)
			}
		}
		s.mustCLI(t, kai, "incident", "add-member", sec.ID, "--person", "alex")
		var page fireline.IncidentPage
		s.cliJSON(t, alex, &page, "incident", "list", "-q", "canary")
		if len(page.Incidents) != 1 || page.Incidents[0].ID != sec.ID {
			t.Fatalf("alex after being added: %+v", page.Incidents)
		}
		_, _, body := s.request(t, "GET", "/metrics", alex, "")
		if metricValue(string(body), p2Triggered) != "1" {
			t.Errorf("member's /metrics lacks the P2:\n%s", grepLines(string(body), "fireline_incidents"))
		}
		var me fireline.Actor
		_, _, b := s.request(t, "GET", "/api/v1/me", jordan, "")
		json.Unmarshal(b, &me)
		if me.PersonID != "jordan" || me.Role != fireline.RoleViewer {
			t.Errorf("me = %+v", me)
		}
	})
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

const p2Triggered = `fireline_incidents{severity="P2",status="triggered"}`

// metricValue returns the sample value of series in a Prometheus text
// exposition, or "0" when the series is absent.
func metricValue(body, series string) string {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "0"
}

// isSignedWebhook reports whether a public route is an inbound webhook
// authenticated by an integration key.
func isSignedWebhook(pattern string) bool {
	for _, p := range []string{"/integrations/", "/v2/", "/heartbeat/", "/hooks/"} {
		if strings.HasPrefix(pattern, p) {
			return true
		}
	}
	return false
}
