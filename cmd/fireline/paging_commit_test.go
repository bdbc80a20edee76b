package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestPageStartedFromItsCommit runs the job runner: the first page of a
// new incident is claimed in the commit that opens the incident and sent
// from memory, with the incident as that commit left it. An incident that
// the same request opens and resolves (its only alert resolved; P2 resolves
// itself under this policy) must not page; one that stays open must.
func TestPageStartedFromItsCommit(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		sink := firelinetest.NewWebhookSink(t)
		pol := pagingPolicy(t, sink.URL, false)
		y, err := os.ReadFile(pol)
		if err != nil {
			t.Fatal(err)
		}
		y = bytes.Replace(y, []byte("auto_resolve: [P3, P4]"), []byte("auto_resolve: [P1, P2, P3, P4]"), 1)
		if err := os.WriteFile(pol, y, 0o600); err != nil {
			t.Fatal(err)
		}
		clock := firelinetest.NewClock(businessHours)
		env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
		srv, err := startServer(context.Background(), serveConfig{
			Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret, Now: clock.Now, PolicyPath: pol,
			Paging: pagingConfig{AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] }},
		}, slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close(context.Background()) })
		s := &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}
		ci := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")

		code, _, body := s.request(t, "POST", "/integrations/generic", ci.Key,
			`[{"dedup_key":"gone","severity":"error","summary":"Opened and closed"},{"dedup_key":"gone","status":"resolved"}]`)
		wantStatus(t, "open and resolve", code, body, http.StatusOK)
		code, _, body = s.request(t, "POST", "/integrations/generic", ci.Key,
			`[{"dedup_key":"stays","severity":"error","summary":"Stays open"}]`)
		wantStatus(t, "open", code, body, http.StatusOK)
		if !strings.Contains(string(body), "INC-2") {
			t.Fatalf("second alert: %s", body)
		}

		deadline := time.After(10 * time.Second)
		for paged := false; !paged; {
			select {
			case h := <-sink.Arrivals():
				if h.Data["incident"] == "INC-2" {
					paged = true
					if h.Data["title"] != "Stays open" {
						t.Errorf("page %v: want the incident's title", h.Data)
					}
				}
			case <-deadline:
				t.Fatal("the open incident was not paged")
			}
		}
		// Had INC-1 a page, it would have been claimed first; once none of
		// INC-1's jobs due now is pending or running, any such page has
		// reached the sink.
		firelinetest.Eventually(t, 10*time.Second, func() error {
			var n int
			if err := srv.db.Reader().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM jobs WHERE group_key = 'incident:1'
				AND (state = 'running' OR (state = 'pending' AND run_at <= %d))`, clock.Now().UnixMicro())).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return fmt.Errorf("%d of INC-1's jobs due now are pending or running", n)
			}
			return nil
		})
		for _, h := range sink.Hooks() {
			if h.Data["incident"] == "INC-1" {
				t.Fatalf("a page went out for the incident resolved in its opening commit: %v", h.Data)
			}
		}
	})
}
