package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestIncidentLifecycle works one incident from declaration to closure
// through the CLI against a real server, checking clocks, refusals and the
// exported timeline.
func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		alex := s.newToken(t, "responder", "alex")

		var inc fireline.Incident
		s.cliJSON(t, alex, &inc, "incident", "declare", "--title", "API gateway 502s", "--severity", "P2",
			"--source", "monitoring", "--service", "api-gateway", "--description", "5xx on all routes")
		if inc.ID != "INC-1" || inc.Severity != fireline.P2 || inc.Stage != fireline.StageDetection || inc.Restricted {
			t.Fatalf("declared %+v", inc)
		}
		// Tuesday 10:00 New York: P2 responds within 1 h, escalates within 2 h, resolves within 8 h.
		now := s.clock.Now()
		wantClock(t, "respond_by", inc.RespondBy, now.Add(time.Hour))
		wantClock(t, "escalate_by", *inc.EscalateBy, now.Add(2*time.Hour))
		wantClock(t, "resolve_by", inc.ResolveBy, now.Add(8*time.Hour))

		s.clock.Advance(90 * time.Minute) // past respond-by: the response clock is breached
		s.cliJSON(t, alex, &inc, "incident", "show", "INC-1")
		if !inc.Breaches.Respond || inc.Breaches.Resolve {
			t.Fatalf("breaches after 90 min: %+v", inc.Breaches)
		}
		s.cliJSON(t, alex, &inc, "incident", "ack", "INC-1")
		if inc.Status != fireline.StatusAcknowledged || inc.Stage != fireline.StageInitialResponse {
			t.Fatalf("after ack: status %s stage %s", inc.Status, inc.Stage)
		}
		refused(t, s.cli(t, alex, "incident", "ack", "INC-1"), "already acknowledged")

		s.cliJSON(t, alex, &inc, "incident", "severity", "INC-1", "P1", "--reason", "all customers affected")
		now = s.clock.Now()
		wantClock(t, "P1 respond_by", inc.RespondBy, now.Add(fireline.DefaultImmediateWindow)) // "immediate": within the window
		wantClock(t, "P1 resolve_by", inc.ResolveBy, now.Add(4*time.Hour))
		refused(t, s.cli(t, alex, "incident", "severity", "INC-1", "P7", "--reason", "x"), "unknown severity")
		refused(t, s.cli(t, alex, "incident", "severity", "INC-1", "P3"), "reason")

		s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "incident_commander", "--person", "casey")
		s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "primary_on_call", "--person", "alex")
		s.mustCLI(t, alex, "incident", "assign", "INC-1", "--role", "sme", "--person", "kai")
		s.cliJSON(t, alex, &inc, "incident", "assign", "INC-1", "--role", "incident_commander", "--person", "devon")
		if got := holders(inc, fireline.RoleIncidentCommander); got != "devon" {
			t.Fatalf("incident commander after reassignment: %q", got)
		}
		refused(t, s.cli(t, alex, "incident", "assign", "INC-1", "--role", "sme", "--person", "nobody"), "no person")

		for _, st := range []string{"investigation", "mitigation"} {
			s.mustCLI(t, alex, "incident", "stage", "INC-1", st)
		}
		refused(t, s.cli(t, alex, "incident", "stage", "INC-1", "closed"), "still open")
		for kind, text := range map[string]string{"note": "bridge call opened", "finding": "deploy 4711 changed the pool",
			"decision": "roll back 4711", "mitigation_step": "rolled back 4711"} {
			s.mustCLI(t, alex, "incident", "note", "INC-1", text, "--kind", kind)
		}
		s.cliJSON(t, alex, &inc, "incident", "update", "INC-1", "--impact", "All API clients", "--scope", "us-east",
			"--service", "api-gateway", "--service", "agent-orchestrator", "--eta", "2026-12-01T20:00:00Z")
		if inc.Impact != "All API clients" || len(inc.Services) != 2 || inc.ETA == nil {
			t.Fatalf("after update: %+v", inc)
		}
		s.mustCLI(t, alex, "incident", "escalate", "INC-1", "--to", "devon", "--note", "P1 rule")
		s.cliJSON(t, alex, &inc, "incident", "resolve", "INC-1", "--summary", "rolled back")
		if inc.Status != fireline.StatusResolved || inc.Stage != fireline.StageResolution || inc.ResolvedAt == nil {
			t.Fatalf("after resolve: %+v", inc)
		}
		refused(t, s.cli(t, alex, "incident", "resolve", "INC-1"), "already resolved")
		s.mustCLI(t, alex, "incident", "reopen", "INC-1", "--reason", "errors are back")
		s.mustCLI(t, alex, "incident", "resolve", "INC-1")
		s.mustCLI(t, alex, "incident", "stage", "INC-1", "post_incident_review")
		s.cliJSON(t, alex, &inc, "incident", "stage", "INC-1", "closed")
		if inc.Status != fireline.StatusClosed {
			t.Fatalf("after close: %s", inc.Status)
		}
		before := inc.EventCount
		refused(t, s.cli(t, alex, "incident", "resolve", "INC-1"), "closed")
		// The paging engine may record delivery attempts meanwhile; what
		// must not appear is anything written by the refused action.
		var timeline struct{ Events []fireline.Event }
		s.cliJSON(t, alex, &timeline, "incident", "log", "INC-1")
		for _, e := range timeline.Events[before:] {
			if e.Actor == "alex" {
				t.Fatalf("a refused action wrote event %d (%s)", e.Seq, e.Type)
			}
		}
		s.cliJSON(t, alex, &inc, "incident", "show", "INC-1")

		log := s.mustCLI(t, alex, "incident", "log", "INC-1")
		for _, want := range []string{"declared", "acknowledged", "severity_changed", "role_assigned", "stage_changed",
			"note", "updated", "escalated", "resolved", "reopened", "alex"} {
			if !strings.Contains(log, want) {
				t.Errorf("incident log lacks %q:\n%s", want, log)
			}
		}
		checkExport(t, s, alex, inc.EventCount)
	})
}

// checkExport exports INC-1, verifies it, then edits it and sees verify fail.
func checkExport(t *testing.T, s *testServer, token string, events int64) {
	dir := t.TempDir()
	file := filepath.Join(dir, "inc-1.json")
	s.mustCLI(t, token, "incident", "export", "INC-1", "-f", file)
	if out := s.mustCLI(t, token, "incident", "verify", file); !strings.Contains(out, "ok") {
		t.Fatalf("verify: %s", out)
	}
	b, _ := os.ReadFile(file)
	var x fireline.Export
	// The pager may append an attempt between the show and the export:
	// pages start right after the commit that plans them.
	var after fireline.Incident
	s.cliJSON(t, token, &after, "incident", "show", "INC-1")
	if err := json.Unmarshal(b, &x); err != nil || int64(len(x.Events)) < events || int64(len(x.Events)) > after.EventCount {
		t.Fatalf("export: %v, %d events, want %d to %d", err, len(x.Events), events, after.EventCount)
	}
	for name, edit := range map[string]func(string) string{
		"title": func(s string) string {
			return strings.Replace(s, `"title": "API gateway 502s"`, `"title": "Nothing happened"`, 1)
		},
		"note text": func(s string) string { return strings.Replace(s, "roll back 4711", "keep 4711", 1) },
	} {
		edited := edit(string(b))
		if edited == string(b) {
			t.Fatalf("edit %s changed nothing", name)
		}
		tampered := filepath.Join(dir, "tampered.json")
		os.WriteFile(tampered, []byte(edited), 0o600)
		if r := s.cli(t, token, "incident", "verify", tampered); r.code == 0 || !strings.Contains(r.stderr, "TAMPERED") {
			t.Errorf("verify after editing the %s: exit %d, %s", name, r.code, r.stderr)
		}
	}
}

func wantClock(t *testing.T, name string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", name, got.UTC(), want.UTC())
	}
}

// refused checks that a CLI run failed with a message containing want.
func refused(t *testing.T, r cliResult, want string) {
	t.Helper()
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("want a refusal mentioning %q, got exit %d, stderr %q", want, r.code, r.stderr)
	}
}

func holders(inc fireline.Incident, role fireline.IncidentRole) string {
	var out []string
	for _, r := range inc.Roles {
		if r.Role == role {
			out = append(out, r.Person)
		}
	}
	return strings.Join(out, ",")
}
