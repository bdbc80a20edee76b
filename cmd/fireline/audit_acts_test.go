package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestAuditLogCoversAdminActs: each other audited act, through the CLI
// and the console, appears once with its actor and subject: a password
// set, a wrong current password at a change, a logout, a user's person changed, a login link issued, a user
// disabled, a token revoked, an integration's key rotated and the
// integration deleted, a maintenance window and an on-call override
// made and removed, and a calendar feed's URL issued.
func TestAuditLogCoversAdminActs(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		email := s.userWithPassword(t, "responder", "casey", "correct horse battery staple")
		sess := loginSession(t, s, email, "correct horse battery staple")
		wrong := url.Values{"current_password": {"not my password"}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}}
		if r := s.console(t, "POST", "/account/password", sess, wrong); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("a wrong current password: %d", r.StatusCode)
		}
		if r := s.console(t, "POST", "/logout", sess, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.StatusCode)
		}
		s.mustCLI(t, adminSecret, "user", "set-person", email, "alex")
		s.mustCLI(t, adminSecret, "user", "login-link", email)
		s.mustCLI(t, adminSecret, "user", "disable", email)
		var tok struct {
			ID string `json:"id"`
		}
		s.cliJSON(t, adminSecret, &tok, "token", "create", "--role", "viewer", "--person", "jordan")
		s.mustCLI(t, adminSecret, "token", "revoke", tok.ID)
		var ci fireline.CreatedIntegration
		s.cliJSON(t, adminSecret, &ci, "integration", "create", "--type", "generic", "--service", "api-gateway")
		s.mustCLI(t, adminSecret, "integration", "rotate", ci.ID, "--grace", "1h")
		s.mustCLI(t, adminSecret, "integration", "delete", ci.ID)
		var w fireline.MaintenanceWindow
		s.cliJSON(t, adminSecret, &w, "maintenance", "create", "--service", "web-dashboard", "--start", "now", "--end", "2h", "--reason", "Upgrade")
		s.mustCLI(t, adminSecret, "maintenance", "delete", w.ID)
		var o fireline.Override
		at := func(d time.Duration) string { return businessHours.Add(d).Format(time.RFC3339) }
		s.cliJSON(t, adminSecret, &o, "oncall", "override", "--schedule", "engineering", "--user", "casey", "--from", at(time.Hour), "--to", at(2*time.Hour))
		s.mustCLI(t, adminSecret, "oncall", "overrides", "--delete", o.ID)
		viewer := s.newToken(t, "viewer", "jordan")
		s.mustCLI(t, viewer, "oncall", "feed", "--schedule", "engineering")

		var page fireline.AuditPage
		s.cliJSON(t, adminSecret, &page, "audit", "list", "--limit", "1000")
		admin, user := "automation:bootstrap", "user:"+email
		for _, want := range []struct {
			action         fireline.AuditAction
			actor, subject string
		}{
			{fireline.AuditPasswordChanged, "casey", user},
			{fireline.AuditLoginFailed, "casey", user},
			{fireline.AuditLogout, "casey", user},
			{fireline.AuditUserPersonChanged, admin, user},
			{fireline.AuditUserDisabled, admin, user},
			{fireline.AuditTokenRevoked, admin, "token:" + tok.ID},
			{fireline.AuditIntegrationKey, admin, "integration:" + ci.ID},
			{fireline.AuditIntegrationGone, admin, "integration:" + ci.ID},
			{fireline.AuditMaintenanceAdded, admin, "maintenance:" + w.ID},
			{fireline.AuditMaintenanceGone, admin, "maintenance:" + w.ID},
			{fireline.AuditOverrideAdded, admin, "override:" + o.ID},
			{fireline.AuditOverrideGone, admin, "override:" + o.ID},
			{fireline.AuditFeedURLIssued, "jordan", "feed:schedule:engineering"},
		} {
			if e := onlyEntry(t, page.Entries, want.action, want.subject); e.Actor != want.actor || !e.At.Equal(businessHours) {
				t.Errorf("%s: %+v, want actor %s", want.action, e, want.actor)
			}
		}
		// The welcome link is part of user.created; the one asked for is
		// an act of its own.
		if n := countEntries(page.Entries, fireline.AuditLoginLinkCreated, user); n != 1 {
			t.Errorf("%d login links issued, want 1", n)
		}
		if raw := mustJSON(t, page); strings.Contains(raw, ci.Key) || strings.Contains(raw, "/feeds/") {
			t.Fatalf("the audit log holds a key or a feed's URL:\n%s", raw)
		}
	})
}

// countEntries counts the entries of action on subject.
func countEntries(entries []*fireline.AuditEntry, action fireline.AuditAction, subject string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action && e.Subject == subject {
			n++
		}
	}
	return n
}
