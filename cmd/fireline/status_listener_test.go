package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/policy"
)

// TestStatusAddr: serve --status-addr serves the public status page alone
// on its own address, with the policy's logo: the page, its feeds and
// Statuspage JSON answer there, while the console, the API, the internal
// status page and intake are not found (also by a path that climbs out).
func TestStatusAddr(t *testing.T) {
	t.Parallel()
	y := strings.Replace(string(policy.DefaultYAML()), "    name: Berrys.ai Status\n", "    name: Berrys.ai Status\n    logo: https://berrys.ai/logo.png\n", 1)
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", StatusAddr: "127.0.0.1:0", PolicyPath: pol,
		DB: filepath.Join(t.TempDir(), "fireline.db"), BootstrapToken: adminSecret, Paging: pagingConfig{NoJobRunner: true}},
		slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	base := srv.status.URL()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+adminSecret)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("GET", "/status"); code != 200 || !strings.Contains(body, `<img src="https://berrys.ai/logo.png"`) || !strings.Contains(body, "Berrys.ai Status") {
		t.Errorf("/status on the status address: %d\n%s", code, body)
	}
	for _, p := range []string{"/history.atom", "/history.rss", "/api/v2/summary.json", "/status/history"} {
		if code, _ := get("GET", p); code != 200 {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	if code, _ := get("GET", "/"); code != http.StatusFound {
		t.Errorf("GET /: %d, want a redirect to the page", code)
	}
	for _, p := range []string{"/api/v1/incidents", "/incidents", "/login", "/status/internal", "/api/v1/status/internal", "/metrics",
		"/status/../api/v1/incidents", "/static/../api/v1/me"} {
		if code, _ := get("GET", p); code == 200 {
			t.Errorf("GET %s on the status address: %d", p, code)
		}
	}
	if code, _ := get("POST", "/integrations/alertmanager"); code != 404 {
		t.Errorf("intake on the status address: %d", code)
	}
	// The main address still serves everything.
	resp, err := http.Get(srv.URL() + "/status")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/status on the main address: %v %v", err, resp)
	}
	resp.Body.Close()
}
