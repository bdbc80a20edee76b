package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestSkewedReplicaClaimsNothing (issue 21, item 2; PostgreSQL): every
// replica decides what is due by its own clock, so one running two hours
// fast would run a P2's whole walk at once. A replica whose clock differs
// from the database's by more than --max-clock-skew says so in /readyz
// and /metrics, and claims no due jobs; once its clock is right again it
// claims as before.
func TestSkewedReplicaClaimsNothing(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.PostgresDSN(t)
	var fast atomic.Int64 // the skewed replica's offset, nanoseconds
	fast.Store(int64(2 * time.Hour))
	start := func(now func() time.Time) *testServer {
		t.Helper()
		srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret, Now: now,
			MaxClockSkew: 2 * time.Second, Paging: pagingConfig{NoJobRunner: true}}, slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
		if err != nil {
			t.Fatalf("start server: %v", err)
		}
		t.Cleanup(func() { srv.Close(context.Background()) })
		return &testServer{server: srv, out: &bytes.Buffer{}}
	}
	right := start(time.Now)
	skewed := start(func() time.Time { return time.Now().Add(time.Duration(fast.Load())) })

	if code, _, body := right.request(t, "GET", "/readyz", "", ""); code != http.StatusOK {
		t.Fatalf("the right replica's /readyz: %d %s", code, body)
	}
	code, _, body := skewed.request(t, "GET", "/readyz", "", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "clock is 2h0m0s ahead of the database's") || !strings.Contains(string(body), "NTP") {
		t.Fatalf("the skewed replica's /readyz: %d %s", code, body)
	}
	if m := skewed.metrics(t); !strings.Contains(m, "fireline_clock_skew_seconds -7200") && !strings.Contains(m, "fireline_clock_skew_seconds -7199") {
		t.Errorf("/metrics: %s", grepLines(m, "clock_skew"))
	}
	// A P2 declared through the right replica: its secondary is due in an
	// hour, which the skewed replica's clock says has passed.
	var inc fireline.Incident
	right.cliJSON(t, adminSecret, &inc, "incident", "declare", "--title", "API slow", "--severity", "P2", "--service", "api-gateway")
	pending := func() int {
		var n int
		if err := right.db.Reader().QueryRow("SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND kind = 'page.step.escalate'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := pending()
	if n, err := skewed.paging.runner.RunDue(context.Background(), time.Now().Add(time.Duration(fast.Load()))); err != nil || n != 0 || pending() != before {
		t.Fatalf("the skewed replica ran %d jobs (%v); %d of %d walk steps still pending", n, err, pending(), before)
	}
	// The right replica runs what is due by the one clock (the primary's
	// page), not the walk's later steps.
	if _, err := right.paging.runner.RunDue(context.Background(), time.Now()); err != nil || pending() != before {
		t.Fatalf("the right replica: %v; %d of %d walk steps still pending", err, pending(), before)
	}
}
