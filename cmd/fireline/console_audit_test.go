package main

import (
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestConsoleAuditLog: an admin finds the audit log in the navigation,
// reads who signed in from where, and narrows it to one group of acts
// and one actor; the filters stay in the form and in the link to older
// entries.
func TestConsoleAuditLog(t *testing.T) {
	needChromium(t)
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	_, link := s.newUser(t, "admin", "kai")
	s.mustCLI(t, adminSecret, "token", "create", "--role", "viewer", "--person", "jordan")
	b := newBrowser(t, s.URL(), 1280, 900)
	b.loginWithLink(link)
	b.open("/admin/audit")
	if *updateScreenshots {
		b.screenshotView("audit")
	}
	if !b.has(`header.top a[href="/admin/audit"][aria-current="page"]`) {
		t.Fatal("no Audit log link in the admin's navigation")
	}
	rows := b.text("#audit tbody")
	for _, want := range []string{"login.link_redeemed", "user:kai-admin@example.com", "127.0.0.1", "token.created", "automation:bootstrap", "policy.changed"} {
		if !strings.Contains(rows, want) {
			t.Fatalf("the audit log lacks %q:\n%s", want, rows)
		}
	}
	b.submit(map[string]string{"#action": "login", "#actor": "kai"}, `form[role="search"] button`)
	b.until(`location.search.includes("action=login")`)
	rows = b.text("#audit tbody")
	if strings.Count(rows, "login.link_redeemed") != 1 || strings.Contains(rows, "token.created") || strings.Contains(rows, "policy.changed") {
		t.Fatalf("filtered by login and kai:\n%s", rows)
	}
	if b.value("#action") != "login" || b.value("#actor") != "kai" {
		t.Fatalf("the filters are not kept: %q %q", b.value("#action"), b.value("#actor"))
	}
}
