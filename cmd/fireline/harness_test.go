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
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// adminSecret is the bootstrap admin token every test server starts with.
const adminSecret = "fl_test_bootstrap_admin_0123456789"

// testServer is a real Fireline on a loopback port with a manual clock.
type testServer struct {
	*server
	clock *firelinetest.Clock
	out   *bytes.Buffer
}

// businessHours is Tuesday 2026-12-01 10:00 in New York, inside the default
// calendar's business hours.
var businessHours = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

func startTestServer(t testing.TB, dsn string) *testServer {
	t.Helper()
	return startTestServerWith(t, dsn, nil)
}

// startGatedTestServer runs the embedded policy as it is, with its
// resolution gate: a P1 or P2 moves to resolution only with its
// workflow's steps checked, or its commander's override.
func startGatedTestServer(t testing.TB, dsn string) *testServer {
	t.Helper()
	return startTestServerWith(t, dsn, func(c *serveConfig) { c.PolicyPath = "" })
}

// ungatedPolicy writes a policy without the resolution gate (the
// playbooks section, last in the default policy), so that tests about
// other things resolve P1 and P2 incidents without working their
// checklists; the checklist's own tests use startGatedTestServer.
//
// Nor do they run its communications (no public services, no cadence,
// no stakeholder notices), which would add pages and emails to what they
// count; the communications tests use commsPolicy.
func ungatedPolicy(t testing.TB, yaml string) string {
	t.Helper()
	return writePolicy(t, withoutComms(t, withoutGate(t, yaml)))
}

// commsPolicy is ungatedPolicy with the communications section kept.
func commsPolicy(t testing.TB, yaml string) string {
	t.Helper()
	return writePolicy(t, withoutGate(t, yaml))
}

func withoutGate(t testing.TB, yaml string) string {
	t.Helper()
	before, _, ok := strings.Cut(yaml, "\n# Playbooks (fireline serve --playbooks")
	if !ok {
		t.Fatal("the default policy's playbooks section moved")
	}
	return before + "\n"
}

func withoutComms(t testing.TB, yaml string) string {
	t.Helper()
	before, after, ok := strings.Cut(yaml, "\n# Communications (the guide's Communication Protocols)")
	_, section, ok2 := strings.Cut(after, "\ncommunications:\n")
	if !ok || !ok2 {
		t.Fatal("the default policy's communications section moved")
	}
	// The section ends where the next top-level line (a key or a comment)
	// begins.
	rest := ""
	for i := 0; i < len(section); {
		j := strings.IndexByte(section[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(section) && section[i] != ' ' && section[i] != '\n' {
			rest = section[i:]
			break
		}
	}
	out := before + "\n" + rest
	return strings.ReplaceAll(out, "    public: true # on the public status page\n", "")
}

func writePolicy(t testing.TB, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fireline.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startTestServerWith is startTestServer (the default policy without its
// resolution gate) with the configuration changed by configure (when not
// nil) before the server starts.
func startTestServerWith(t testing.TB, dsn string, configure func(*serveConfig)) *testServer {
	t.Helper()
	clock := firelinetest.NewClock(businessHours)
	out := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg := serveConfig{
		Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret, Now: clock.Now,
		PolicyPath:  ungatedPolicy(t, string(policy.DefaultYAML())),
		LiveRecheck: 100 * time.Millisecond, // live streams notice lost access at once
		// serve's request-rate limits, on a clock that stands still: the
		// console, the CLI and the API, as the tests use them, stay within
		// a burst (ratelimit_test.go tests the limits themselves).
		Limits: web.DefaultRequestLimits,
	}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := startServer(context.Background(), cfg, logger, out)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return &testServer{server: srv, clock: clock, out: out}
}

// cliResult is one CLI run's output and exit code.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs the fireline command line in-process against the server.
func (s *testServer) cli(t testing.TB, token string, args ...string) cliResult {
	t.Helper()
	return s.cliEnv(t, nil, token, args...)
}

// cliEnv is cli with more environment variables, which win over the
// server's URL and the token.
func (s *testServer) cliEnv(t testing.TB, vars map[string]string, token string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		switch k {
		case "FIRELINE_SERVER":
			if s.server == nil {
				return ""
			}
			return s.URL()
		case "FIRELINE_TOKEN":
			return token
		}
		return ""
	}}
	code := Main(context.Background(), args, env)
	return cliResult{stdout.String(), stderr.String(), code}
}

// mustCLI runs the CLI and fails the test on a non-zero exit.
func (s *testServer) mustCLI(t testing.TB, token string, args ...string) string {
	t.Helper()
	r := s.cli(t, token, args...)
	if r.code != 0 {
		t.Fatalf("fireline %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// cliJSON runs the CLI with -o json and decodes its output into v.
func (s *testServer) cliJSON(t testing.TB, token string, v any, args ...string) {
	t.Helper()
	out := s.mustCLI(t, token, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("fireline %s: decode %q: %v", strings.Join(args, " "), out, err)
	}
}

// newToken creates a token as admin and returns its secret.
func (s *testServer) newToken(t *testing.T, role, person string) string {
	t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	args := []string{"token", "create", "--role", role}
	if person != "" {
		args = append(args, "--person", person)
	} else {
		args = append(args, "--automation", "test-"+role)
	}
	s.cliJSON(t, adminSecret, &tok, args...)
	if !strings.HasPrefix(tok.Token, "fl_") {
		t.Fatalf("token create printed %q, want a fl_ token", tok.Token)
	}
	return tok.Token
}

// request makes one HTTP request and returns the status and body.
func (s *testServer) request(t testing.TB, method, path, token, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
