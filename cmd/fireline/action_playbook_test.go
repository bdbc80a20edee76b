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

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// startOnPlaybooks starts a server on dsn with the playbooks of dir, the
// caller closing it (a restart is the playbooks' reload).
func startOnPlaybooks(t *testing.T, dsn, dir, policyPath string, clock *firelinetest.Clock) *testServer {
	t.Helper()
	cfg := serveConfig{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret, Now: clock.Now, PolicyPath: policyPath,
		PlaybooksPath: dir, Limits: web.DefaultRequestLimits}
	srv, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	return &testServer{server: srv, clock: clock}
}

func (s *testServer) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("close server: %v", err)
	}
}

// TestRunbookItemClosesWhenPlaybookChanges: a runbook item names a
// playbook (an unknown one is refused, naming the field) and records its
// digest; a restart on the same database with the playbook unchanged
// leaves it open; once the file changes, the next start closes it as the
// system, with both digests on the incident's timeline, which verifies.
func TestRunbookItemClosesWhenPlaybookChanges(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		clock := firelinetest.NewClock(businessHours)
		dir, pol := filepath.Join(t.TempDir(), "playbooks"), ungatedPolicy(t, string(policy.DefaultYAML()))
		s := startOnPlaybooks(t, dsn, "", pol, clock)
		s.mustCLI(t, "", "playbook", "init", dir)
		s.stop(t)

		s = startOnPlaybooks(t, dsn, dir, pol, clock)
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Primary database slow", "--severity", "P2")
		add := func(args ...string) cliResult {
			return s.cli(t, adminSecret, append([]string{"action", "add", "INC-1", "--title", "Add the replica-lag step",
				"--owner", "casey", "--deadline", "2026-12-20T17:00:00-05:00"}, args...)...)
		}
		if r := add("--kind", "runbook", "--playbook", "no-such-playbook"); r.code == 0 || !strings.Contains(r.stderr, "playbook") {
			t.Errorf("an unknown playbook: exit %d %s", r.code, r.stderr)
		}
		if code, _, body := s.request(t, http.MethodPost, "/api/v1/incidents/INC-1/action-items", adminSecret,
			`{"title":"x","owner":"casey","deadline":"2026-12-20T17:00:00Z","kind":"fix","playbook":"database-performance"}`); code != http.StatusBadRequest || !strings.Contains(string(body), `"playbook"`) {
			t.Errorf("a fix item naming a playbook: %d %s", code, body)
		}
		var it fireline.ActionItem
		s.cliJSON(t, adminSecret, &it, append([]string{"action", "add", "INC-1", "--title", "Add the replica-lag step",
			"--owner", "casey", "--deadline", "2026-12-20T17:00:00-05:00"}, "--kind", "runbook", "--playbook", "database-performance")...)
		if it.ID != "A-1" || it.Playbook != "database-performance" || len(it.PlaybookDigest) != 12 {
			t.Fatalf("added: %+v", it)
		}
		s.stop(t)

		s = startOnPlaybooks(t, dsn, dir, pol, clock) // unchanged: still open
		if got := itemStatus(t, s, "A-1"); got.Status != fireline.ItemOpen {
			t.Fatalf("after a restart with the same playbook: %+v", got)
		}
		s.stop(t)

		path := filepath.Join(dir, "database-performance.md")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, "\n- [ ] Check replica lag on every replica\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		s = startOnPlaybooks(t, dsn, dir, pol, clock)
		defer s.stop(t)
		got := itemStatus(t, s, "A-1")
		var pbs []fireline.Playbook
		s.cliJSON(t, adminSecret, &pbs, "playbook", "list")
		digest := ""
		for _, pb := range pbs {
			if pb.ID == "database-performance" {
				digest = pb.Digest
			}
		}
		want := "playbook database-performance changed (digest " + it.PlaybookDigest + "→" + digest + ")"
		if got.Status != fireline.ItemDone || got.ClosedBy != "system" || got.Note != want || got.PlaybookDigest != digest {
			t.Fatalf("after the playbook changed: %+v, want note %q", got, want)
		}
		events := timelineEvents(t, s, "INC-1")
		last := events[len(events)-1]
		if last.Type != fireline.EventActionItemUpdated || last.Actor != "system" || !strings.Contains(string(last.Data), want) {
			t.Errorf("timeline's last event: %s by %s %s", last.Type, last.Actor, last.Data)
		}
		s.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
	})
}

func itemStatus(t *testing.T, s *testServer, id string) fireline.ActionItem {
	t.Helper()
	var list web.ActionItemList
	s.cliJSON(t, adminSecret, &list, "action", "list", "--all")
	for _, it := range list.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %s in %+v", id, list.Items)
	return fireline.ActionItem{}
}

func timelineEvents(t *testing.T, s *testServer, id string) []fireline.Event {
	t.Helper()
	code, _, body := s.request(t, http.MethodGet, "/api/v1/incidents/"+id+"/timeline", adminSecret, "")
	if code != http.StatusOK {
		t.Fatalf("timeline: %d %s", code, body)
	}
	var page struct {
		Events []fireline.Event `json:"events"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Events
}
