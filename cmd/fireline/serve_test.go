package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestFirstStartPrintsAdminToken: without FIRELINE_BOOTSTRAP_TOKEN the
// first start prints a one-time admin token that works; the second start
// prints none.
func TestFirstStartPrintsAdminToken(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.SQLiteDSN(t)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	start := func() (*server, string) {
		var out bytes.Buffer
		srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: dsn}, logger, &out)
		if err != nil {
			t.Fatal(err)
		}
		return srv, out.String()
	}
	srv, out := start()
	i := strings.Index(out, "fl_")
	if i < 0 {
		t.Fatalf("first start printed no token: %q", out)
	}
	secret := strings.Fields(out[i:])[0]
	s := &testServer{server: srv}
	if code, _, body := s.request(t, "GET", "/api/v1/tokens", secret, ""); code != http.StatusOK {
		t.Fatalf("printed token: %d %s", code, body)
	}
	srv.Close(context.Background())
	srv, out = start()
	defer srv.Close(context.Background())
	if strings.Contains(out, "fl_") {
		t.Fatalf("second start printed a token again: %q", out)
	}
}

// TestHealthAndErrors checks the unauthenticated health routes and that bad
// input gets a problem+json 4xx and changes nothing.
func TestHealthAndErrors(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
			if code, _, body := s.request(t, "GET", p, "", ""); code != http.StatusOK {
				t.Errorf("GET %s: %d %s", p, code, body)
			}
		}
		cases := []struct {
			name, body string
			want       int
		}{
			{"malformed JSON", `{"title":`, 400},
			{"unknown field", `{"title":"x","severity":"P1","colour":"red"}`, 400},
			{"unknown severity", `{"title":"x","severity":"P9"}`, 400},
			{"unknown service", `{"title":"x","severity":"P1","services":["nope"]}`, 400},
			{"too large", `{"title":"` + strings.Repeat("x", 2<<20) + `","severity":"P1"}`, 413},
		}
		for _, c := range cases {
			code, hdr, body := s.request(t, "POST", "/api/v1/incidents", adminSecret, c.body)
			if code != c.want || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s %.200s, want %d problem+json", c.name, code, hdr.Get("Content-Type"), body, c.want)
			}
		}
		if code, _, body := s.request(t, "GET", "/api/v1/incidents/INC-1", adminSecret, ""); code != http.StatusNotFound {
			t.Errorf("bad input stored an incident: %d %s", code, body)
		}
	})
}

// TestPolicyCommands writes the default policy, checks it, breaks it and
// sees file:line errors, and serves with the edited file.
func TestPolicyCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "fireline.yaml")
	s := &testServer{}
	s.mustCLI(t, "", "policy", "init", file)
	if r := s.cli(t, "", "policy", "init", file); r.code == 0 {
		t.Errorf("policy init overwrote an existing file")
	}
	if out := s.mustCLI(t, "", "policy", "check", file); !strings.Contains(out, "ok") {
		t.Fatalf("check of the default: %s", out)
	}
	b, _ := os.ReadFile(file)
	broken := strings.Replace(string(b), "level: P2", "level: P9", 1)
	if broken == string(b) {
		t.Fatal("the default policy has no `level: P2` line to break")
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "level: P9")], "\n")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(broken), 0o644)
	r := s.cli(t, "", "policy", "check", bad)
	if want := bad + ":" + itoa(line) + ":"; r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("check of a broken policy: exit %d, stderr %q; want a line starting %q", r.code, r.stderr, want)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: firelinetest.SQLiteDSN(t),
		PolicyPath: file, BootstrapToken: adminSecret, Now: func() time.Time { return businessHours }}, logger, io.Discard)
	if err != nil {
		t.Fatalf("serve --policy: %v", err)
	}
	srv.Close(context.Background())
	if _, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: firelinetest.SQLiteDSN(t),
		PolicyPath: bad}, logger, io.Discard); err == nil {
		t.Fatal("serve started with an invalid policy")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
