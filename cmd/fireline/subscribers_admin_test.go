package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestImportedSubscribers: an administrator imports customers from a CSV
// file (confirmed at once: no opt-in mail), a file with one bad row or a
// repeated address imports nothing and says which row, only an admin
// may import, list or remove, a P2's published updates reach the
// imported customers threaded under the first (In-Reply-To and
// References), the timeline counts the customers emailed, and resolving
// drafts the follow-up that reaches them once approved.
func TestImportedSubscribers(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		casey, jordan := p.newToken(t, "responder", "casey"), p.newToken(t, "responder", "jordan")
		dir := t.TempDir()
		write := func(name, text string) string {
			f := filepath.Join(dir, name)
			if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}
		bad := write("bad.csv", "email,components\nana@example.com,api-gateway\nnot-an-address\nbob@example.com,api-gateway;no-such\nana@example.com\n")
		r := p.cli(t, adminSecret, "subscriber", "import", bad)
		if r.code == 0 || !strings.Contains(r.stderr, "subscribers[1].email") || !strings.Contains(r.stderr, "subscribers[2].components") ||
			!strings.Contains(r.stderr, "subscribers[3].email") {
			t.Fatalf("a file with bad rows: exit %d: %s", r.code, r.stderr)
		}
		if r := p.cli(t, casey, "subscriber", "import", write("ok1.csv", "ana@example.com\n")); r.code == 0 || !strings.Contains(r.stderr, "403") && !strings.Contains(strings.ToLower(r.stderr), "admin") {
			t.Fatalf("a responder imported: exit %d: %s", r.code, r.stderr)
		}
		var none []fireline.Subscriber
		p.cliJSON(t, adminSecret, &none, "subscriber", "list")
		if len(none) != 0 {
			t.Fatalf("refused imports stored %d subscribers", len(none))
		}
		good := write("good.csv", "email,components\nana@example.com,api-gateway\nBob@Example.COM,\ncarol@example.com,agent-orchestrator web-dashboard\n")
		if out := p.mustCLI(t, adminSecret, "subscriber", "import", good); !strings.Contains(out, "3 new") {
			t.Fatalf("import: %s", out)
		}
		var subs []fireline.Subscriber
		p.cliJSON(t, adminSecret, &subs, "subscriber", "list")
		if len(subs) != 3 {
			t.Fatalf("list: %+v", subs)
		}
		for _, s := range subs {
			if s.ConfirmedAt == nil {
				t.Errorf("%s imported but pending", s.Email)
			}
		}
		if code, _, _ := p.request(t, "GET", "/api/v1/subscribers", casey, ""); code != 403 {
			t.Errorf("a responder listed subscribers: %d", code)
		}
		p.advance(t, 0)
		if n := len(p.mailsOf("status.subscribe", "ana@example.com")); n != 0 {
			t.Errorf("an imported customer got %d opt-in mails", n)
		}

		id := p.declare(t, casey, fireline.P2)
		p.mustCLI(t, casey, "incident", "assign", id, "--role", "communications_liaison", "--person", "jordan")
		p.mustCLI(t, casey, "incident", "public-update", id, "--status", "investigating", "--component", "api-gateway=partial_outage")
		p.mustCLI(t, jordan, "incident", "approve-update", id, "1")
		p.advance(t, 0)
		p.mustCLI(t, casey, "incident", "public-update", id, "--status", "monitoring", "--text", "A fix is out.")
		p.mustCLI(t, jordan, "incident", "approve-update", id, "2")
		p.advance(t, 0)
		ana := p.mailsOf("status.update", "ana@example.com")
		if len(ana) != 2 || len(p.mailsOf("status.update", "Bob@example.com")) != 2 || len(p.mailsOf("status.update", "carol@example.com")) != 0 {
			t.Fatalf("updates: ana %d, bob %d, carol %d", len(ana), len(p.mailsOf("status.update", "Bob@example.com")), len(p.mailsOf("status.update", "carol@example.com")))
		}
		first := ana[0].Header.Get("Message-Id")
		if ana[0].Header.Get("In-Reply-To") != "" || first == "" || ana[1].Header.Get("In-Reply-To") != first || ana[1].Header.Get("References") != first {
			t.Errorf("threading: first %q, second In-Reply-To %q References %q", first, ana[1].Header.Get("In-Reply-To"), ana[1].Header.Get("References"))
		}
		if n := p.timelineTypes(t, id)[fireline.EventUpdateEmailed]; n != 2 {
			t.Errorf("%d emailed events on the timeline, want 2", n)
		}

		// Resolving drafts the customer follow-up; the liaison approves it.
		p.mustCLI(t, casey, "incident", "resolve", id, "--summary", "rolled back")
		var list struct{ Updates []fireline.PublicUpdate }
		p.cliJSON(t, casey, &list, "incident", "public-updates", id)
		if ups := list.Updates; len(ups) != 3 || ups[2].Status != fireline.PublicResolved || ups[2].State != fireline.UpdateDraft {
			t.Fatalf("after resolving: %+v, want a resolved draft", list.Updates)
		}
		p.mustCLI(t, jordan, "incident", "approve-update", id, "3")
		p.advance(t, 0)
		if ana := p.mailsOf("status.update", "ana@example.com"); len(ana) != 3 || !strings.HasSuffix(ana[2].Subject, ": Resolved") {
			t.Errorf("follow-up: %d mails to ana", len(ana))
		}

		p.mustCLI(t, adminSecret, "subscriber", "remove", "BOB@example.com")
		p.cliJSON(t, adminSecret, &subs, "subscriber", "list")
		if len(subs) != 2 {
			t.Errorf("after removing bob: %d subscribers", len(subs))
		}
		if r := p.cli(t, adminSecret, "subscriber", "remove", "bob@example.com"); r.code == 0 {
			t.Error("removing a subscriber twice succeeded")
		}
	})
}
