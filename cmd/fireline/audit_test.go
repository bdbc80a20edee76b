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
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
)

// TestAuditLog (issue 21, "Also"): a login, a failed login, a token, a
// role change, an integration and a change of policy each appear once in
// the audit log with their actor, time, address and subject, and no
// secret; only admins read it (API, CLI, console); the export verifies
// and a tampered line is detected; the database refuses an UPDATE.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startWithChangedPolicy(t, dsn)
		const pw = "correct horse battery staple"
		email := s.userWithPassword(t, "viewer", "alex", pw)
		if r := s.postLogin(t, email, pw, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", r.StatusCode)
		}
		if r := s.postLogin(t, email, "a wrong guess at it", nil); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong password: %d", r.StatusCode)
		}
		var tok struct {
			ID     string `json:"id"`
			Secret string `json:"token"`
		}
		s.cliJSON(t, adminSecret, &tok, "token", "create", "--role", "viewer", "--person", "jordan")
		s.mustCLI(t, adminSecret, "user", "set-role", email, "responder")
		var ci fireline.CreatedIntegration
		s.cliJSON(t, adminSecret, &ci, "integration", "create", "--type", "generic", "--service", "api-gateway", "--name", "edge")

		var page fireline.AuditPage
		s.cliJSON(t, adminSecret, &page, "audit", "list")
		bootstrap := "automation:bootstrap"
		for _, want := range []struct {
			action         fireline.AuditAction
			actor, subject string
			data           string
		}{
			{fireline.AuditLoginSucceeded, "alex", "user:" + email, ""},
			{fireline.AuditLoginFailed, "anonymous", "user:" + email, `"reason":"wrong password"`},
			{fireline.AuditTokenCreated, bootstrap, "token:" + tok.ID, `"person":"jordan"`},
			{fireline.AuditUserRoleChanged, bootstrap, "user:" + email, `{"from":"viewer","to":"responder"}`},
			{fireline.AuditIntegrationAdded, bootstrap, "integration:" + ci.ID, `"name":"edge"`},
		} {
			e := onlyEntry(t, page.Entries, want.action, want.subject)
			if e.Actor != want.actor || !e.At.Equal(businessHours) || !strings.Contains(compactJSON(e.Data), want.data) {
				t.Errorf("%s: %+v (data %s), want actor %s, at %s, data with %s", want.action, e, e.Data, want.actor, businessHours, want.data)
			}
			if e.Address != "127.0.0.1" {
				t.Errorf("%s: address %q, want 127.0.0.1", want.action, e.Address)
			}
		}
		checkPolicyChanges(t, s, page.Entries)
		raw, _ := json.Marshal(page)
		for _, secret := range []string{pw, "a wrong guess", ci.Key, adminSecret, tok.Secret} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("the audit log holds a secret %q:\n%s", secret, raw)
			}
		}
		checkAuditAccess(t, s)
		checkAuditExport(t, s)
	})
}

// startWithChangedPolicy starts a server on dsn with the test policy,
// stops it, and starts the test server with another version of it: a
// change of policy, as an operator deploying a new fireline.yaml makes.
func startWithChangedPolicy(t *testing.T, dsn string) *testServer {
	t.Helper()
	yaml := string(policy.DefaultYAML())
	first := ungatedPolicy(t, yaml)
	srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret,
		PolicyPath: first, Now: firelinetest.NewClock(businessHours).Now}, slog.New(slog.NewJSONHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := ungatedPolicy(t, strings.Replace(yaml, "\nversion: \"1\"\n", "\nversion: \"2\"\n", 1))
	return startTestServerWith(t, dsn, func(c *serveConfig) { c.PolicyPath = second })
}

// policyVersion is the version id of the policy the server runs.
func policyVersion(t *testing.T, s *testServer) string {
	t.Helper()
	var p fireline.Policy
	code, _, body := s.request(t, "GET", "/api/v1/policy", adminSecret, "")
	if err := json.Unmarshal(body, &p); code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/policy: %d %v", code, err)
	}
	return p.VersionID()
}

// checkPolicyChanges: the first start recorded its policy, the second
// the change to another, both as the server's own acts.
func checkPolicyChanges(t *testing.T, s *testServer, entries []*fireline.AuditEntry) {
	t.Helper()
	var changes []string
	for _, e := range entries {
		if e.Action == fireline.AuditPolicyChanged && e.Actor == "system" && e.Subject == "policy" && e.At.Equal(businessHours) {
			changes = append(changes, compactJSON(e.Data))
		}
	}
	now := policyVersion(t, s)
	if len(changes) != 2 || !strings.HasPrefix(now, "2+") || !strings.HasPrefix(changes[0], `{"from":"1+`) ||
		!strings.HasSuffix(changes[0], `","to":"`+now+`"}`) || !strings.HasPrefix(changes[1], `{"from":"","to":"1+`) {
		t.Fatalf("policy changes %q, want one to 1+..., then one from it to %s", changes, now)
	}
}

// compactJSON is data without the indentation -o json gives it.
func compactJSON(data json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, data)
	return b.String()
}

// onlyEntry returns the one entry of action on subject, failing unless
// there is exactly one.
func onlyEntry(t *testing.T, entries []*fireline.AuditEntry, action fireline.AuditAction, subject string) *fireline.AuditEntry {
	t.Helper()
	var found []*fireline.AuditEntry
	for _, e := range entries {
		if e.Action == action && e.Subject == subject {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d entries %s on %s, want 1", len(found), action, subject)
	}
	return found[0]
}

// checkAuditAccess: a viewer gets 403 from the API and the console; bad
// filters are 400 naming the parameter, in the API and the CLI; an admin
// filters by act and actor.
func checkAuditAccess(t *testing.T, s *testServer) {
	t.Helper()
	viewer := s.newToken(t, "viewer", "jordan")
	code, h, body := s.request(t, "GET", "/api/v1/audit", viewer, "")
	if code != http.StatusForbidden || h.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("a viewer's GET /api/v1/audit: %d %s %s", code, h.Get("Content-Type"), body)
	}
	if r := s.console(t, "GET", "/admin/audit", s.session(t, "viewer", "blake"), nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer's /admin/audit: %d", r.StatusCode)
	}
	code, h, body = s.request(t, "GET", "/api/v1/audit?action=bogus&limit=0", adminSecret, "")
	if code != http.StatusBadRequest || h.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"action"`) || !strings.Contains(string(body), `"limit"`) {
		t.Fatalf("a bad filter: %d %s", code, body)
	}
	if r := s.cli(t, adminSecret, "audit", "list", "--action", "bogus"); r.code == 0 || !strings.Contains(r.stderr, "action: must be an audited act") {
		t.Fatalf("audit list --action bogus: exit %d %q", r.code, r.stderr)
	}
	var page fireline.AuditPage
	s.cliJSON(t, adminSecret, &page, "audit", "list", "--action", "login", "--actor", "anonymous")
	if len(page.Entries) != 1 || page.Entries[0].Action != fireline.AuditLoginFailed {
		t.Fatalf("audit list --action login --actor anonymous: %+v", page.Entries)
	}
	page = fireline.AuditPage{}
	s.cliJSON(t, adminSecret, &page, "audit", "list", "--until", "2026-12-01T14:00:00Z")
	if len(page.Entries) != 0 {
		t.Fatalf("audit list --until before everything: %+v", page.Entries)
	}
	r := s.console(t, "GET", "/admin/audit?action=user.role_changed", s.session(t, "admin", "kai"), nil)
	if html := readBody(t, r); r.StatusCode != http.StatusOK || !strings.Contains(html, "user.role_changed") || strings.Contains(html, "login.failed</code>") {
		t.Fatalf("an admin's /admin/audit?action=user.role_changed: %d\n%s", r.StatusCode, html)
	}
}

// checkAuditExport: the export verifies; an edited line does not; the
// database refuses to change an entry.
func checkAuditExport(t *testing.T, s *testServer) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "audit.json")
	s.mustCLI(t, adminSecret, "audit", "export", file)
	if out := s.mustCLI(t, adminSecret, "audit", "verify", file); !strings.Contains(out, ": ok: audit log, ") {
		t.Fatalf("audit verify: %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(b), `"actor": "anonymous"`, `"actor": "alex"`, 1)
	if tampered == string(b) {
		t.Fatal("no failed login's actor in the export")
	}
	os.WriteFile(file, []byte(tampered), 0o600)
	if r := s.cli(t, adminSecret, "audit", "verify", file); r.code != 1 || !strings.Contains(r.stderr, "TAMPERED: entry ") ||
		!strings.Contains(r.stderr, "content does not match its hash (the entry was edited)") {
		t.Fatalf("audit verify of an edited export: exit %d %q", r.code, r.stderr)
	}
	if _, err := s.db.Writer().Exec("UPDATE audit_log SET actor = 'mallory'"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("UPDATE audit_log: %v, want refused", err)
	}

	// In place: intact, then edited by someone with the owner's rights.
	if out := s.mustCLI(t, adminSecret, "audit", "verify", "--stored"); !strings.HasPrefix(out, "audit log: ok: stored, ") {
		t.Fatalf("audit verify --stored: %q", out)
	}
	tamper := []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"}
	if s.db.Dialect() == "postgres" {
		tamper[0] = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"
	}
	for _, stmt := range tamper {
		if _, err := s.db.Writer().Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	want := "fireline: audit log: TAMPERED: entry 3: content does not match its hash (the entry was edited)\n"
	if r := s.cli(t, adminSecret, "audit", "verify", "--stored"); r.code != 1 || r.stderr != want {
		t.Fatalf("audit verify --stored after an edit: exit %d %q, want 1 and %q", r.code, r.stderr, want)
	}
}
