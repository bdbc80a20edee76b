package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// bigAlert is a generic alert whose 60 KB of details need new pages.
func bigAlert(key string) string {
	return fmt.Sprintf(`{"summary":"Checkout slow","dedup_key":%q,"details":{"trace":%q}}`, key, strings.Repeat("x", 60<<10))
}

// TestReadyzWhenWritesFail (issue 21, item 10): when SQLite's writes fail
// because the disk is full (simulated with max_page_count on the writer's
// connection, which SQLite answers with SQLITE_FULL as it would ENOSPC),
// /readyz answers 503 naming it, until a write succeeds again: the next
// alert, or, with no traffic, readiness's own one-row write, tried at most
// every 10 s.
func TestReadyzWhenWritesFail(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	gen := s.createIntegration(t, "--type", "generic", "--service", "api-gateway")
	ready := func(want int) string {
		t.Helper()
		code, _, body := s.request(t, "GET", "/readyz", "", "")
		if code != want {
			t.Fatalf("/readyz: %d %s, want %d", code, body, want)
		}
		return string(body)
	}
	post := func(key string, want int) {
		t.Helper()
		code, _, body := s.request(t, "POST", "/integrations/generic", gen.Key, bigAlert(key))
		wantStatus(t, "alert "+key, code, body, want)
	}
	full := func(full bool) {
		t.Helper()
		pages := "1" // SQLite raises it to the pages the database has now
		if !full {
			pages = "1073741823"
		}
		if _, err := s.db.Writer().Exec("PRAGMA max_page_count = " + pages); err != nil {
			t.Fatal(err)
		}
	}
	ready(200)

	full(true)
	post("a-1", http.StatusServiceUnavailable)
	if body := ready(http.StatusServiceUnavailable); !strings.Contains(body, "the disk is full") {
		t.Fatalf("/readyz does not name the disk: %s", body)
	}
	full(false)
	post("a-2", 200) // the next write that succeeds: ready again
	ready(200)

	full(true)
	post("a-3", http.StatusServiceUnavailable)
	full(false)
	s.clock.Advance(9 * time.Second)
	ready(http.StatusServiceUnavailable) // no write of its own yet: the failure is fresh
	// Its own write fails too (a fault on the row it writes): still not
	// ready, and no write again for 10 s.
	exec := func(stmt string) {
		t.Helper()
		if _, err := s.db.Writer().Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE TRIGGER injected_fault BEFORE UPDATE ON readiness_probe BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
	s.clock.Advance(time.Second)
	ready(http.StatusServiceUnavailable)
	exec("DROP TRIGGER injected_fault")
	s.clock.Advance(9 * time.Second)
	ready(http.StatusServiceUnavailable)
	s.clock.Advance(time.Second)
	ready(200) // its own write went through
}
