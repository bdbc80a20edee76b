package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestVerifyStoredTimeline (issue 21, item 8): `fireline incident verify
// --stored INC-1` replays the timeline as stored on the server and says
// ok, or what is broken after someone with database access edited an
// event behind the append-only triggers; the route obeys visibility.
func TestVerifyStoredTimeline(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		viewer := s.newToken(t, "viewer", "jordan")
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "API gateway 502s", "--severity", "P3", "--service", "api-gateway")
		s.mustCLI(t, adminSecret, "incident", "note", "INC-1", "Deploy 4711 changed the upstream pool", "--kind", "finding")
		s.mustCLI(t, adminSecret, "incident", "ack", "INC-1")
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")

		out := s.mustCLI(t, viewer, "incident", "verify", "--stored", "INC-1")
		if want := "INC-1: ok: stored timeline, " + strconv.FormatInt(inc.EventCount, 10) + " events, chain intact, head " + inc.HeadHash + "\n"; out != want {
			t.Fatalf("verify --stored printed %q, want %q", out, want)
		}

		// Someone with the database's owner rights turns the trigger off
		// and edits the note's event.
		tamper := []string{"DROP TRIGGER events_no_update", "UPDATE events SET actor = 'mallory' WHERE incident_number = 1 AND seq = 2"}
		if s.db.Dialect() == "postgres" {
			tamper[0] = "ALTER TABLE events DISABLE TRIGGER events_no_update_delete"
		}
		for _, stmt := range tamper {
			if _, err := s.db.Writer().Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		r := s.cli(t, viewer, "incident", "verify", "--stored", "INC-1")
		if want := "fireline: INC-1: TAMPERED: event 2: content does not match its hash (the event was edited)\n"; r.code != 1 || r.stderr != want {
			t.Fatalf("verify --stored after the edit: exit %d, stderr %q, want 1 and %q", r.code, r.stderr, want)
		}
		var v fireline.Verification
		code, _, body := s.request(t, "GET", "/api/v1/incidents/INC-1/verify", viewer, "")
		if err := json.Unmarshal(body, &v); code != http.StatusOK || err != nil || v.OK || v.Incident != "INC-1" ||
			v.Problem != "event 2: content does not match its hash (the event was edited)" {
			t.Fatalf("GET verify: %d %s", code, body)
		}
		if r := s.cli(t, viewer, "incident", "verify", "--stored", "INC-1", "-o", "json"); r.code != 1 || !strings.Contains(r.stdout, `"ok": false`) {
			t.Fatalf("verify --stored -o json: exit %d, %q", r.code, r.stdout)
		}

		// A restricted incident does not exist for a viewer who is not a
		// member; the admin verifies it.
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "credential leak", "--severity", "P2", "--source", "security")
		refused(t, s.cli(t, viewer, "incident", "verify", "--stored", "INC-2"), "not found")
		if out := s.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-2"); !strings.HasPrefix(out, "INC-2: ok: ") {
			t.Fatalf("admin: %q", out)
		}
	})
}
