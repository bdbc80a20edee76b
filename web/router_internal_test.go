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
