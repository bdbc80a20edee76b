package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

func attached(inc fireline.Incident) string {
	var ids []string
	for _, pb := range inc.Checklist.Playbooks {
		ids = append(ids, pb.ID)
	}
	return strings.Join(ids, ",")
}

// Alerts and sources attach the guide's playbooks: an Alertmanager alert
// named PostgresReplicationLag opens an incident with the database
// playbook, a security-sourced incident gets the security playbook, and
// both get the workflow.
func TestPlaybooksAttachedByMatch(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startGatedTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		labels := template.KV{"alertname": "PostgresReplicationLag", "instance": "db-2", "severity": "warning"}
		a := template.Alert{Status: "firing", Labels: labels, Annotations: template.KV{"summary": "Replica db-2 is 40 s behind"},
			StartsAt: s.clock.Now(), Fingerprint: fireline.LabelsFingerprint(labels)}
		code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a))
		wantStatus(t, "alert", code, body, http.StatusOK)
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if got := attached(inc); got != "database-performance,workflow" {
			t.Errorf("alert-opened incident has %q", got)
		}
		if m := inc.Checklist.Playbooks[0].Matched; m != `alerts: alertname=~"(Postgres|Pg|MySQL|Database|DB).*"` {
			t.Errorf("matched %q", m)
		}
		log := s.mustCLI(t, adminSecret, "incident", "log", "INC-1")
		if !strings.Contains(log, "playbook=database-performance steps=12 digest=") {
			t.Errorf("timeline lacks playbook_attached:\n%s", log)
		}

		kai := s.newToken(t, "responder", "kai")
		var sec fireline.Incident
		s.cliJSON(t, kai, &sec, "incident", "declare", "--title", "Signing key found in a public gist", "--severity", "P2", "--source", "security")
		if got := attached(sec); got != "security-incident,workflow" || !sec.Restricted {
			t.Errorf("security incident: %q restricted=%v", got, sec.Restricted)
		}

		// By hand: attach and detach, as the CLI says.
		out := s.mustCLI(t, kai, "incident", "playbook", "attach", sec.ID, "service-outage")
		if !strings.Contains(out, sec.ID) {
			t.Errorf("attach printed %q", out)
		}
		s.mustCLI(t, kai, "incident", "playbook", "detach", sec.ID, "service-outage", "--reason", "nothing is down")
		refused(t, s.cli(t, kai, "incident", "playbook", "detach", sec.ID, "workflow"), "required for P2 incidents")
		refused(t, s.cli(t, kai, "incident", "playbook", "attach", sec.ID, "nope"), "no playbook")
		list := s.mustCLI(t, kai, "playbook", "list")
		for _, want := range []string{"database-performance", "Security Incidents", "sources: security", "workflow"} {
			if !strings.Contains(list, want) {
				t.Errorf("playbook list lacks %q:\n%s", want, list)
			}
		}
	})
}

// Steps checked by two people are on the timeline with who and when and
// in the export, which verifies; a P1 with required steps open is refused
// resolution (409 naming them) until its commander overrides with a
// reason; a viewer cannot check; a restricted incident's checklist is not
// shown to non-members.
func TestChecklistAudited(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startGatedTestServer(t, dsn)
		alex, casey := s.newToken(t, "responder", "alex"), s.newToken(t, "responder", "casey")
		jordan := s.newToken(t, "viewer", "jordan")
		var inc fireline.Incident
		s.cliJSON(t, alex, &inc, "incident", "declare", "--title", "Checkout API down", "--severity", "P1", "--service", "api-gateway")
		if got := attached(inc); got != "service-outage,workflow" {
			t.Fatalf("attached %q", got)
		}
		at1 := s.clock.Now()
		out := s.mustCLI(t, alex, "incident", "check", inc.ID, "workflow/2", "--note", "5xx on every route")
		if !strings.Contains(out, "[x]  workflow/2") || !strings.Contains(out, `"5xx on every route"`) {
			t.Errorf("check printed:\n%s", out)
		}
		s.clock.Advance(2 * time.Minute)
		at2 := s.clock.Now()
		s.mustCLI(t, casey, "incident", "check", inc.ID, "service-outage/1")
		s.mustCLI(t, casey, "incident", "uncheck", inc.ID, "service-outage/1", "--note", "health endpoint was cached")
		s.mustCLI(t, casey, "incident", "check", inc.ID, "service-outage/1")
		refused(t, s.cli(t, casey, "incident", "check", inc.ID, "service-outage/1"), "already checked")
		refused(t, s.cli(t, casey, "incident", "check", inc.ID, "workflow/99"), "no step")
		// Designating the commander ticks its step by itself.
		s.mustCLI(t, alex, "incident", "assign", inc.ID, "--role", "incident_commander", "--person", "casey")

		var cl web.ChecklistView
		s.cliJSON(t, jordan, &cl, "incident", "checklist", inc.ID)
		steps := map[string]fireline.ChecklistItem{}
		for _, st := range cl.Stages {
			for _, it := range st.Steps {
				steps[it.Key] = it
			}
		}
		// (The default policy requires the P1/P2 initial response; a
		// detection step is checked, but not required.)
		if s := steps["workflow/2"]; !s.Checked || s.CheckedBy != "alex" || !s.CheckedAt.Equal(at1) || s.Note != "5xx on every route" || s.Required {
			t.Errorf("workflow/2 = %+v", s)
		}
		if s := steps["service-outage/1"]; !s.Checked || s.CheckedBy != "casey" || !s.CheckedAt.Equal(at2) || s.Required {
			t.Errorf("service-outage/1 = %+v", s)
		}
		if s := steps["workflow/7"]; !s.Checked || s.Auto != "role_assigned:incident_commander" {
			t.Errorf("workflow/7 (designate commander) = %+v", s)
		}

		// On the timeline, with who and when.
		var events []*fireline.Event
		code, _, body := s.request(t, "GET", "/api/v1/incidents/"+inc.ID+"/timeline", jordan, "")
		wantStatus(t, "timeline", code, body, http.StatusOK)
		var tl struct{ Events []*fireline.Event }
		json.Unmarshal(body, &tl)
		events = tl.Events
		var checks []string
		for _, e := range events {
			if e.Type == fireline.EventStepChecked || e.Type == fireline.EventStepUnchecked {
				var d fireline.StepCheckedData
				json.Unmarshal(e.Data, &d)
				checks = append(checks, e.Actor+" "+string(e.Type)+" "+d.Step+" "+e.At.Format("15:04"))
			}
		}
		want := "alex step_checked workflow/2 15:00|casey step_checked service-outage/1 15:02|casey step_unchecked service-outage/1 15:02|casey step_checked service-outage/1 15:02|alex step_checked workflow/7 15:02"
		if got := strings.Join(checks, "|"); got != want {
			t.Errorf("checks on the timeline:\n%s\nwant\n%s", got, want)
		}

		// The resolution gate: 409 problem+json naming the open steps.
		code, hdr, body := s.request(t, "POST", "/api/v1/incidents/"+inc.ID+"/resolve", alex, `{"summary":"rolled back"}`)
		if code != http.StatusConflict || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("resolve with steps open: %d %s %s", code, hdr.Get("Content-Type"), body)
		}
		var prob struct {
			Detail string
			Errors []struct{ Location, Message string }
		}
		json.Unmarshal(body, &prob)
		var named []string
		for _, e := range prob.Errors {
			named = append(named, e.Location)
		}
		// The guide's P1/P2 initial response, less the commander (checked
		// by the assignment above).
		if !strings.Contains(prob.Detail, "required steps open") || strings.Join(named, ",") != "workflow/5,workflow/6,workflow/8,workflow/9" {
			t.Errorf("problem: %s", body)
		}
		refused(t, s.cli(t, alex, "incident", "stage", inc.ID, "resolution"), "required steps open")
		refused(t, s.cli(t, alex, "incident", "resolve", inc.ID, "--override", "just do it"), "only the incident commander")
		s.clock.Advance(time.Minute)
		s.mustCLI(t, casey, "incident", "resolve", inc.ID, "--summary", "rolled back", "--override", "Rolled back; the rest is done on the bridge")
		s.mustCLI(t, casey, "incident", "check", inc.ID, "workflow/29", "--note", "review booked for Thursday")

		// A viewer cannot check; a restricted incident's checklist is
		// for its members.
		code, _, body = s.request(t, "POST", "/api/v1/incidents/"+inc.ID+"/checklist/check", jordan, `{"step":"workflow/3"}`)
		wantStatus(t, "viewer checks", code, body, http.StatusForbidden)
		kai := s.newToken(t, "responder", "kai")
		var sec fireline.Incident
		s.cliJSON(t, kai, &sec, "incident", "declare", "--title", "canary-9 leaked", "--severity", "P3", "--source", "security")
		for _, tok := range []string{jordan, alex} {
			code, _, body := s.request(t, "GET", "/api/v1/incidents/"+sec.ID+"/checklist", tok, "")
			wantStatus(t, "non-member checklist", code, body, http.StatusNotFound)
			code, _, body = s.request(t, "POST", "/api/v1/incidents/"+sec.ID+"/checklist/check", alex, `{"step":"security-incident/1"}`)
			wantStatus(t, "non-member check", code, body, http.StatusNotFound)
		}
		code, _, body = s.request(t, "GET", "/api/v1/incidents/"+sec.ID+"/checklist", kai, "")
		wantStatus(t, "member checklist", code, body, http.StatusOK)

		// The export proves it, and verify passes.
		file := filepath.Join(t.TempDir(), "inc.json")
		s.mustCLI(t, jordan, "incident", "export", inc.ID, "-f", file)
		data, _ := os.ReadFile(file)
		var x fireline.Export
		json.Unmarshal(data, &x)
		if st := x.Incident.Checklist.Step("workflow/29"); st == nil || !st.Checked || st.CheckedBy != "casey" {
			t.Errorf("export's workflow/29 = %+v", st)
		}
		if out := s.mustCLI(t, jordan, "incident", "verify", file); !strings.Contains(out, "ok") {
			t.Errorf("verify: %s", out)
		}
		for _, e := range x.Events {
			if e.Type == fireline.EventChecklistOverridden && (e.Actor != "casey" || !strings.Contains(string(e.Data), "Rolled back; the rest")) {
				t.Errorf("override event %s by %s", e.Data, e.Actor)
			}
		}
		// Edit the exported checklist: verify refuses it.
		edited := strings.Replace(string(data), `"checked_by": "casey"`, `"checked_by": "alex"`, 1)
		if edited == string(data) {
			t.Fatal("nothing to edit in the export")
		}
		os.WriteFile(file, []byte(edited), 0o644)
		refused(t, s.cli(t, jordan, "incident", "verify", file), "checklist")
	})
}

// playbook init writes the defaults, lint passes them and reports a
// broken file as file:line with a non-zero exit, and serve refuses
// playbooks that do not fit the policy.
func TestPlaybookInitAndLint(t *testing.T) {
	t.Parallel()
	var s testServer
	dir := filepath.Join(t.TempDir(), "playbooks")
	out := s.mustCLI(t, "", "playbook", "init", dir)
	if !strings.Contains(out, "workflow.md") {
		t.Errorf("init printed %q", out)
	}
	refused(t, s.cli(t, "", "playbook", "init", dir), "already exists")
	if out := s.mustCLI(t, "", "playbook", "lint", dir); !strings.Contains(out, "ok (5 playbooks, 77 steps)") {
		t.Errorf("lint printed %q", out)
	}
	bad := filepath.Join(dir, "bad.md")
	os.WriteFile(bad, []byte("---\nid: bad\ntitle: Bad\nowner: nobody\nlast_reviewed: 2026-10-01\n---\n## Mitigation\n\n- [ ] Fine\n- not a step\n"), 0o644)
	r := s.cli(t, "", "playbook", "lint", dir)
	if r.code == 0 || !strings.Contains(r.stderr, bad+":10: not a step") {
		t.Errorf("lint of a bad file: exit %d %s", r.code, r.stderr)
	}
	os.WriteFile(bad, []byte("---\nid: bad\ntitle: Bad\nowner: nobody\nlast_reviewed: 2026-10-01\n---\n## Mitigation\n\n- [ ] Fine\n"), 0o644)
	r = s.cli(t, "", "playbook", "lint", dir)
	if r.code == 0 || !strings.Contains(r.stderr, bad+`:4: owner "nobody" is not a person`) {
		t.Errorf("lint against the policy: exit %d %s", r.code, r.stderr)
	}
	_, err := startServer(t.Context(), serveConfig{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "f.db"), PlaybooksPath: dir}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "owner \"nobody\"") {
		t.Errorf("serve with a bad playbook: %v", err)
	}
}
