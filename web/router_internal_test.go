package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
)

// TestRouterRefusesRoutesWithoutRole checks the registration guard that
// TestRouteTable relies on: it fails at start, not at request time.
func TestRouterRefusesRoutesWithoutRole(t *testing.T) {
	noop := func(w http.ResponseWriter, r *http.Request) {}
	pass := func(_ fireline.Role, h http.Handler) http.Handler { return h }
	for name, tc := range map[string]struct {
		f    func(rt *router)
		want string
	}{
		"no role":          {func(rt *router) { rt.page("GET /secret", "", noop) }, "declares no role"},
		"unknown role":     {func(rt *router) { rt.page("GET /secret", "root", noop) }, "declares no role"},
		"public with role": {func(rt *router) { rt.declare("GET /healthz", fireline.RoleViewer) }, "must not declare a role"},
		"twice": {func(rt *router) {
			rt.page("GET /a", fireline.RoleViewer, noop)
			rt.page("GET /a", fireline.RoleViewer, noop)
		}, "declared twice"},
		"undeclared (huma)": {func(rt *router) { rt.HandleFunc("GET /api/v1/sneaky", noop) }, "was not declared"},
		"no method":         {func(rt *router) { rt.declare("/x", fireline.RoleViewer) }, "METHOD /path"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q, want one containing %q", msg, tc.want)
				}
			}()
			tc.f(newRouter(pass))
		})
	}
}

// TestURLTextError: path values and query parameters that the database
// cannot hold are named; good ones pass.
func TestURLTextError(t *testing.T) {
	if got := pathWildcards("/api/v1/incidents/{id}/roles/{role}/{person}"); strings.Join(got, ",") != "id,role,person" {
		t.Errorf("wildcards %v", got)
	}
	if got := pathWildcards("/static/{file...}"); len(got) != 1 || got[0] != "file" {
		t.Errorf("wildcards %v", got)
	}
	if got := pathWildcards("/{$}"); len(got) != 0 {
		t.Errorf("wildcards %v", got)
	}
	for _, tc := range []struct{ target, fields string }{
		{"/things/INC-1?q=checkout+%C3%BC", ""},
		{"/things/x%00?q=ok", "path.id"},
		{"/things/ok?q=x%FF&service=a%00", "query.q,query.service"},
		{"/things/ok?%00=1", "query"},
	} {
		var got error
		mux := http.NewServeMux()
		mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) { got = urlTextError(r, []string{"id"}) })
		r, err := http.NewRequest("GET", "http://x"+tc.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		mux.ServeHTTP(nil, r)
		var names []string
		if e, ok := got.(*fireline.Error); ok {
			for _, f := range e.Fields {
				names = append(names, f.Field)
			}
		}
		if strings.Join(names, ",") != tc.fields {
			t.Errorf("%s: %v, want fields %q", tc.target, got, tc.fields)
		}
	}
}
