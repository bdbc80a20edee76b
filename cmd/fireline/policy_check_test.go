package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPolicyCheckWarnings: policy check prints warnings as file:line:
// warning: and still exits 0; the holiday warning comes only within 90
// days of the list's end, by the clock the command is given.
func TestPolicyCheckWarnings(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "fireline.yaml")
	run := func(now time.Time, args ...string) cliResult {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }, Now: func() time.Time { return now }})
		return cliResult{stdout.String(), stderr.String(), code}
	}
	if r := run(businessHours, "policy", "init", file); r.code != 0 {
		t.Fatal(r.stderr)
	}
	b, _ := os.ReadFile(file)
	line := strconv.Itoa(1 + strings.Count(string(b)[:strings.Index(string(b), "  holidays:")], "\n"))
	warning := file + ":" + line + ": warning: calendar.holidays: the last holiday listed is 2027-12-31; add next year's before it passes\n"

	if r := run(businessHours, "policy", "check", file); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, ": ok (") {
		t.Fatalf("a year ahead: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r := run(time.Date(2027, 10, 15, 12, 0, 0, 0, time.UTC), "policy", "check", file)
	if r.code != 0 || r.stderr != warning || !strings.HasSuffix(r.stdout, "escalation chains) with 1 warning\n") {
		t.Fatalf("77 days ahead: exit %d %q %q\nwant the warning %q", r.code, r.stdout, r.stderr, warning)
	}

	hooked := alexWebhookPolicy(t, "http://127.0.0.1:9000/hook")
	r = run(businessHours, "policy", "check", hooked)
	mustContainLines(t, "policy check", r.stderr,
		": note: people[0].contact_methods[0]: webhook contact methods are signed with the secret in FIRELINE_WEBHOOK_SECRET: set it in the server's environment",
		": warning: people[0].contact_methods[0].url: 127.0.0.1 is a loopback address: pages to it are refused unless the server runs with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)\n")
	if r.code != 0 {
		t.Fatalf("warnings are not errors: exit %d", r.code)
	}
}
