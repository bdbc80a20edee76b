package main

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestPostgresRolesKeepTriggers checks the README's PostgreSQL role setup
// (issue 21, item 8): `fireline migrate` runs as the schema's owner and
// `fireline serve` as a role that only reads and writes rows, which works
// in full, yet cannot turn the timeline's append-only triggers off,
// drop them, skip them with session_replication_role, nor update events.
func TestPostgresRolesKeepTriggers(t *testing.T) {
	t.Parallel()
	base := os.Getenv(firelinetest.PostgresEnv)
	if base == "" {
		t.Skip(firelinetest.PostgresEnv + " is not set")
	}
	suffix := strings.ToLower(rand.Text()[:10])
	owner, app, schema := "fl_owner_"+suffix, "fl_app_"+suffix, "fl_roles_"+suffix
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(db *sql.DB, stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	t.Cleanup(func() {
		exec(admin, "DROP SCHEMA IF EXISTS "+schema+" CASCADE", "DROP OWNED BY "+owner+", "+app, "DROP ROLE "+app, "DROP ROLE "+owner)
		admin.Close()
	})
	// The README's recipe, with the names this test makes up.
	exec(admin,
		"CREATE ROLE "+owner+" LOGIN",
		"CREATE ROLE "+app+" LOGIN",
		"CREATE SCHEMA "+schema+" AUTHORIZATION "+owner,
		"GRANT USAGE ON SCHEMA "+schema+" TO "+app,
		"ALTER DEFAULT PRIVILEGES FOR ROLE "+owner+" IN SCHEMA "+schema+" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "+app,
		"ALTER DEFAULT PRIVILEGES FOR ROLE "+owner+" IN SCHEMA "+schema+" GRANT USAGE, SELECT ON SEQUENCES TO "+app)
	as := func(role string) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(role)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	none := &testServer{}
	if r := none.cli(t, "", "migrate", "--db", as(owner)); r.code != 0 {
		t.Fatalf("migrate as the owner: %d %s", r.code, r.stderr)
	}
	exec(admin, "REVOKE UPDATE, DELETE, TRUNCATE ON "+schema+".events, "+schema+".audit_log FROM "+app)

	s := startTestServer(t, as(app))
	am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
	if code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key,
		amMessage(t, "firing", amAlert("firing", "web-1", "critical", s.clock.Now()))); code != 200 {
		t.Fatalf("intake as the app role: %d %s", code, body)
	}
	s.mustCLI(t, adminSecret, "incident", "ack", "INC-1")
	if out := s.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1"); !strings.HasPrefix(out, "INC-1: ok: ") {
		t.Fatalf("verify: %q", out)
	}
	if code, _, body := s.request(t, "GET", "/readyz", "", ""); code != 200 {
		t.Fatalf("readyz as the app role: %d %s", code, body)
	}

	appDB, err := sql.Open("pgx", as(app))
	if err != nil {
		t.Fatal(err)
	}
	defer appDB.Close()
	for stmt, want := range map[string]string{
		"ALTER TABLE events DISABLE TRIGGER events_no_update_delete": "must be owner",
		"ALTER TABLE events DISABLE TRIGGER ALL":                     "must be owner",
		"DROP TRIGGER events_no_update_delete ON events":             "must be owner",
		"SET session_replication_role = replica":                     "permission denied",
		"UPDATE events SET actor = 'mallory'":                        "permission denied",
		"DELETE FROM events":                                         "permission denied",
		"TRUNCATE events":                                            "permission denied",
		"ALTER TABLE audit_log DISABLE TRIGGER ALL":                  "must be owner",
		"UPDATE audit_log SET actor = 'mallory'":                     "permission denied",
		"DELETE FROM audit_log":                                      "permission denied",
	} {
		if _, err := appDB.Exec(stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("as the app role, %s: %v, want %q", stmt, err, want)
		}
	}
}
