package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/notify/email"
	"github.com/fireline-dev/fireline/policy"
)

// lockedBuffer is a log destination the server's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// alexWebhookPolicy writes the default policy with alex paged by webhook
// to url first, then by email; everyone else keeps the default (an email).
func alexWebhookPolicy(t *testing.T, url string) string {
	t.Helper()
	y := strings.Replace(string(policy.DefaultYAML()), "    email: alex@berrys.ai\n",
		"    email: alex@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \""+url+"\" }\n      - { type: email }\n", 1)
	path := filepath.Join(t.TempDir(), "fireline.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startConfigured starts a server on SQLite with the given policy file and
// delivery settings (the job runner stopped), logging into logs.
func startConfigured(t *testing.T, pol string, pc pagingConfig, logs *lockedBuffer) *testServer {
	t.Helper()
	clock := firelinetest.NewClock(businessHours)
	pc.NoJobRunner = true
	if pc.Getenv == nil {
		pc.Getenv = func(string) string { return "" }
	}
	srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: firelinetest.SQLiteDSN(t), BootstrapToken: adminSecret,
		Now: clock.Now, PolicyPath: pol, Paging: pc}, slog.New(slog.NewJSONHandler(logs, nil)), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}
}

func mustContainLines(t *testing.T, what, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("%s lacks %q:\n%s", what, l, out)
		}
	}
}

// TestPagingConfigProblems: a first start with a webhook to a loopback
// sink, no signing secret, no --allow-outbound and no SMTP relay. Start-up
// logs each problem with its fix, /metrics counts them, /readyz stays
// ready, oncall check lists them (exit 2), and notify test tries every
// method and fails (exit 1) naming the fixes. With the secret set and SMTP
// configured but the guard still closed, the guard's refusal names the
// range to allow.
func TestPagingConfigProblems(t *testing.T) {
	t.Parallel()
	sink := firelinetest.NewWebhookSink(t)
	hook := sink.URL + "/p/alex"
	logs := &lockedBuffer{}
	s := startConfigured(t, alexWebhookPolicy(t, hook), pagingConfig{}, logs)

	r := s.cli(t, adminSecret, "oncall", "check")
	if r.code != 2 {
		t.Fatalf("oncall check: exit %d, want 2: %s %s", r.code, r.stdout, r.stderr)
	}
	mustContainLines(t, "oncall check", r.stdout,
		"config: alex's contact method 1 (webhook "+hook+") cannot be signed: the webhook signing secret FIRELINE_WEBHOOK_SECRET is not set: set FIRELINE_WEBHOOK_SECRET in the server's environment to the receiver's whsec_ signing secret\n",
		"config: alex's contact method 1 (webhook "+hook+") is blocked by the outbound guard (127.0.0.1 is a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)\n",
		"config: alex's contact method 2 (email alex@berrys.ai) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)\n",
		"config: blake's contact method 1 (email blake@berrys.ai, as no contact_methods are listed) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)\n",
		"config: contact engineering-on-call (email oncall@berrys.ai) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)\n",
		"unreachable: blake is primary on call on engineering from ",
		"unreachable: alex is secondary on call on engineering from ")
	var problems []fireline.ReadinessProblem
	if err := json.Unmarshal([]byte(s.cli(t, adminSecret, "oncall", "check", "-o", "json").stdout), &problems); err != nil || len(problems) == 0 {
		t.Fatalf("oncall check -o json: %v %+v", err, problems)
	}
	if p := problems[0]; p.Kind != "config" || p.Person != "alex" || p.Method != 1 || !strings.Contains(p.Fix, "FIRELINE_WEBHOOK_SECRET") {
		t.Errorf("first problem: %+v", p)
	}

	// Start-up said so, one warning a problem, and a count.
	log := logs.String()
	mustContainLines(t, "the start-up log", log,
		`"level":"WARN","msg":"paging readiness: alex's contact method 1 (webhook `+hook+`) is blocked by the outbound guard (127.0.0.1 is a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)","kind":"config","fix":"add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"}`,
		`"problems":`+strconv.Itoa(len(problems))+`}`)
	if n := strings.Count(log, `"msg":"paging readiness: `); n != len(problems)+1 {
		t.Errorf("start-up logged %d readiness lines, want %d problems and a count", n, len(problems))
	}
	if code, _, body := s.request(t, "GET", "/metrics", adminSecret, ""); code != 200 || !strings.Contains(string(body), "\nfireline_oncall_gaps "+strconv.Itoa(len(problems))+"\n") {
		t.Errorf("metrics: %d, want fireline_oncall_gaps %d:\n%s", code, len(problems), body)
	}
	if code, _, body := s.request(t, "GET", "/readyz", "", ""); code != 200 {
		t.Errorf("readyz is about the database, not paging: %d %s", code, body)
	}

	// notify test tries both methods, right away, and says what to fix.
	r = s.cli(t, adminSecret, "notify", "test", "--person", "alex")
	if r.code != 1 {
		t.Fatalf("notify test: exit %d, want 1: %s %s", r.code, r.stdout, r.stderr)
	}
	mustContainLines(t, "notify test", r.stdout,
		"FAILED: the webhook signing secret FIRELINE_WEBHOOK_SECRET is not set\n",
		"fix: set FIRELINE_WEBHOOK_SECRET in the server's environment to the receiver's whsec_ signing secret; add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)\n",
		"FAILED: cannot be sent: no SMTP relay is configured\n",
		"fix: set --smtp-host (FIRELINE_SMTP_HOST)\n",
		"Test page to alex: 2 of 2 contact methods failed.\n")
	if len(sink.Hooks()) != 0 {
		t.Errorf("an unsigned webhook went out: %+v", sink.Hooks())
	}

	// The secret set and SMTP configured, the guard is what is left: its
	// refusal names the range to allow, for the webhook and the relay.
	smtp := firelinetest.NewSMTPServer(t)
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
	s2 := startConfigured(t, alexWebhookPolicy(t, hook), pagingConfig{Getenv: func(k string) string { return env[k] }, SMTP: emailConfig(smtp)}, &lockedBuffer{})
	r = s2.cli(t, adminSecret, "oncall", "check")
	mustContainLines(t, "oncall check, guard closed", r.stdout,
		"config: email pages cannot be sent: the SMTP relay is refused by the outbound guard (127.0.0.1 is a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)\n",
		"config: alex's contact method 1 (webhook "+hook+") is blocked by the outbound guard (127.0.0.1 is a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)\n")
	if r.code != 2 || strings.Contains(r.stdout, "FIRELINE_WEBHOOK_SECRET") || strings.Contains(r.stdout, "--smtp-host") {
		t.Errorf("oncall check, guard closed: exit %d\n%s", r.code, r.stdout)
	}
	r = s2.cli(t, adminSecret, "notify", "test", "--person", "alex")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(sink.URL, "http://"))
	mustContainLines(t, "notify test, guard closed", r.stdout,
		"refusing to connect to 127.0.0.1:"+port+": loopback address; allow it with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)",
		"refusing to connect to "+smtp.Addr+": loopback address; allow it with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)")
	if r.code != 1 || len(smtp.Mail()) != 0 {
		t.Errorf("notify test, guard closed: exit %d, mail %v", r.code, smtp.Mail())
	}
}

// TestNotifyTest: on a configured server a test page is delivered on every
// contact method before the command returns (exit 0); a failing endpoint
// or mail server makes it exit 1 with the error, and the other methods
// are still tried.
func TestNotifyTest(t *testing.T) {
	t.Parallel()
	p := startPagingServer(t, firelinetest.SQLiteDSN(t), businessHours)
	if out := p.mustCLI(t, adminSecret, "oncall", "check"); !strings.HasPrefix(out, "Ready: every contact method can be delivered") {
		t.Fatalf("oncall check of a configured server: %s", out)
	}
	out := p.mustCLI(t, adminSecret, "notify", "test", "--person", "alex")
	mustContainLines(t, "notify test", out, "METHOD  TYPE     ADDRESS", "1       webhook  "+p.sink.URL+"/p/alex", "2       email    alex@berrys.ai",
		"Test page to alex: delivered on every contact method.\n")
	if strings.Count(out, "delivered (msg_") != 2 {
		t.Errorf("want two delivered rows:\n%s", out)
	}
	hooks, mail := p.sink.To("/p/alex"), p.smtp.Mail()
	if len(hooks) != 1 || hooks[0].Type != "incident.test" || len(mail) != 1 || mail[0].Subject != "[Fireline] Test page" {
		t.Fatalf("test page: hooks %+v, mail %+v", hooks, mail)
	}

	// Another test page at the same instant has its own message id.
	var results []fireline.TestResult
	p.cliJSON(t, adminSecret, &results, "notify", "test", "--person", "alex")
	if len(results) != 2 || !results[0].Delivered || results[0].MessageID == hooks[0].ID || p.sink.To("/p/alex")[1].ID != results[0].MessageID {
		t.Fatalf("second test page: %+v (first id %s)", results, hooks[0].ID)
	}

	p.sink.Respond(func(string) (int, string) { return http.StatusInternalServerError, "" })
	r := p.cli(t, adminSecret, "notify", "test", "--person", "alex", "-o", "json")
	results = nil
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil || r.code != 1 {
		t.Fatalf("failing endpoint: exit %d %v %s", r.code, err, r.stdout)
	}
	if results[0].Delivered || results[0].Error != "HTTP 500" || results[0].Fix != "" || !results[1].Delivered {
		t.Fatalf("failing endpoint: %+v", results)
	}
	p.sink.Respond(func(string) (int, string) { return http.StatusGone, "" })
	if r := p.cli(t, adminSecret, "notify", "test", "--person", "alex"); r.code != 1 || !strings.Contains(r.stdout, "FAILED: HTTP 410\n") {
		t.Fatalf("gone endpoint: exit %d %s", r.code, r.stdout)
	}
	if r := p.cli(t, adminSecret, "notify", "test", "--person", "nobody"); r.code == 0 || !strings.Contains(r.stderr, `person: no person "nobody"`) {
		t.Fatalf("test page to nobody: %+v", r)
	}
	if code, h, body := p.request(t, "POST", "/api/v1/notify/test", adminSecret, `{"person":"nobody"}`); code != 400 || !strings.Contains(h.Get("Content-Type"), "problem+json") || !strings.Contains(string(body), `"person"`) {
		t.Fatalf("POST /api/v1/notify/test for nobody: %d %s", code, body)
	}

	// A mail server that is down: the webhook is still delivered.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	sink := firelinetest.NewWebhookSink(t)
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
	s := startConfigured(t, alexWebhookPolicy(t, sink.URL+"/p/alex"), pagingConfig{AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] },
		SMTP: email.Config{Host: "127.0.0.1", Port: down, TLS: email.TLSNone, From: "fireline@berrys.ai"}}, &lockedBuffer{})
	r = s.cli(t, adminSecret, "notify", "test", "--person", "alex")
	if r.code != 1 || !strings.Contains(r.stdout, "delivered (msg_") || !regexp.MustCompile(`2 +email +alex@berrys.ai +FAILED: dial failed: `).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "connection refused") || len(sink.Hooks()) != 1 {
		t.Fatalf("SMTP down: exit %d\n%s", r.code, r.stdout)
	}
}
