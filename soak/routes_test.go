package soak

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
	"github.com/fireline-dev/fireline/web"
)

// notHunted are the GET routes outside the API that the canary hunt does
// not request, and why.
var notHunted = map[string]string{
	"/static/{file}":              "the console's stylesheet and scripts: the same for everyone",
	"/ack/{token}":                "a signed acknowledgement link: only its pagee has one",
	"/feeds/{token}":              "an on-call calendar feed: shifts, no incidents",
	"/heartbeat/{key}":            "an integration's heartbeat: answers ok",
	"/login/link":                 "a one-time sign-in link",
	"/status/subscribe/{token}":   "a signed subscription link",
	"/status/unsubscribe/{token}": "a signed unsubscription link",
	"/api/v1/openapi.json":        "read to find the API's operations",
	"/playbooks/{id}":             "hunted by playbook id: /playbooks/security-incident and /playbooks/database-performance",
}

// TestConsoleListFollowsTheRoutes: every GET route outside /api/v1 that
// the server declares is in the canary hunt's list or in notHunted, and
// so is every console form posting to an incident, so that a new page
// cannot escape the hunt unnoticed.
func TestConsoleListFollowsTheRoutes(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, firelinetest.SQLiteDSN(t), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pol := policy.Default()
	tokens := sqlstore.NewTokenService(db, pol)
	routes := web.Routes(web.NewHandler(web.Config{Policy: pol, Incidents: sqlstore.NewIncidentService(db, pol), Tokens: tokens, Auth: tokens, Health: db}))
	if len(routes) < 50 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		path := strings.Replace(r.Pattern, "{$}", "", 1)
		switch {
		case r.Method == "GET" && !strings.HasPrefix(path, "/api/v1/") && notHunted[path] == "" && !slices.Contains(consoleGets, path):
			t.Errorf("GET %s is neither hunted (soak/canary_routes.go) nor in notHunted", path)
		case r.Method == "POST" && r.Console && strings.HasPrefix(path, "/incidents") && !slices.Contains(consolePosts, path):
			t.Errorf("POST %s is not in consolePosts", path)
		}
	}
}
