package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// Playbooks learn: a playbook's page (CLI, API, console) lists the
// incidents it was used in, the steps a resolved one skipped and the
// steps responders added, never an incident the reader may not see; the
// guide page and `playbook lint` flag a playbook whose last review is
// older than the policy's interval.
func TestPlaybooksLearn(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		pol := writePolicy(t, withoutComms(t, withoutGate(t, string(policy.DefaultYAML())))+"\nplaybooks:\n  review_every: 30d\n")
		s := startTestServerWith(t, dsn, func(c *serveConfig) { c.PolicyPath = pol })
		kai, gray := s.newToken(t, "responder", "kai"), s.newToken(t, "responder", "gray")
		var open, secret fireline.Incident
		s.cliJSON(t, kai, &open, "incident", "declare", "--title", "Possible breach of the billing export", "--severity", "P3")
		s.cliJSON(t, kai, &secret, "incident", "declare", "--title", "Stolen signing key", "--severity", "P3", "--source", "security")
		if attached(open) != "security-incident,workflow" || open.Restricted {
			t.Fatalf("INC-1: %q restricted=%v", attached(open), open.Restricted)
		}
		s.mustCLI(t, kai, "incident", "check", open.ID, "security-incident/1")
		s.mustCLI(t, kai, "incident", "add-step", open.ID, "security-incident", "Tell the data protection officer", "--stage", "mitigation")
		refused(t, s.cli(t, kai, "incident", "add-step", open.ID, "service-outage", "Reboot"), "no playbook")
		s.mustCLI(t, kai, "incident", "check", open.ID, "security-incident/14")
		s.mustCLI(t, kai, "incident", "resolve", open.ID)

		var rec web.PlaybookRecord
		s.cliJSON(t, gray, &rec, "playbook", "show", "security-incident")
		if len(rec.Usage.Uses) != 1 || rec.Usage.Uses[0].Incident != open.ID {
			t.Fatalf("gray sees uses %+v, want only %s (not the restricted %s)", rec.Usage.Uses, open.ID, secret.ID)
		}
		use := rec.Usage.Uses[0]
		if use.Done != 2 || use.Total != 14 || len(use.Skipped) != 12 || strings.Join(use.Added, "|") != "security-incident/14 Tell the data protection officer" {
			t.Errorf("use: done %d of %d, skipped %v, added %v", use.Done, use.Total, use.Skipped, use.Added)
		}
		if use.Skipped[0] != "security-incident/2 Identify affected systems and data" || !rec.Usage.ReviewOverdue {
			t.Errorf("skipped %q, review overdue %v", use.Skipped[0], rec.Usage.ReviewOverdue)
		}
		s.cliJSON(t, kai, &rec, "playbook", "show", "security-incident")
		if len(rec.Usage.Uses) != 2 || rec.Usage.Uses[0].Incident != secret.ID || len(rec.Usage.Uses[0].Open) != 13 {
			t.Errorf("kai sees %+v", rec.Usage.Uses)
		}
		code, _, body := s.request(t, "GET", "/api/v1/playbooks/nope", kai, "")
		wantStatus(t, "unknown playbook", code, body, http.StatusNotFound)

		cookie := s.session(t, "viewer", "gray")
		page := readBody(t, s.console(t, "GET", "/playbooks/security-incident", cookie, nil))
		for _, want := range []string{`id="use-` + open.ID + `"`, "Tell the data protection officer", "Identify affected systems and data", `id="review-overdue"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the playbook page lacks %q", want)
			}
		}
		if strings.Contains(page, secret.ID) {
			t.Errorf("the playbook page shows the restricted %s to a non-member", secret.ID)
		}
		guide := readBody(t, s.console(t, "GET", "/guide", cookie, nil))
		if !strings.Contains(guide, `id="review-overdue-security-incident"`) || !strings.Contains(guide, `href="/playbooks/workflow"`) {
			t.Errorf("the guide page does not flag the overdue review")
		}
	})
}

// playbook lint warns, at the file's last_reviewed line, about a
// playbook not reviewed within the policy's interval, and still passes.
func TestPlaybookLintReviewAge(t *testing.T) {
	t.Parallel()
	s := &testServer{}
	dir := t.TempDir()
	s.mustCLI(t, "", "playbook", "init", dir)
	path := filepath.Join(dir, "security-incident.md")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "last_reviewed: 2026-10-01", "last_reviewed: 2025-01-01", 1)), 0o600)
	r := s.cli(t, "", "playbook", "lint", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "security-incident.md:5: warning: last_reviewed 2025-01-01 is") ||
		!strings.Contains(r.stderr, "90-day review interval") || strings.Contains(r.stderr, "workflow.md") {
		t.Errorf("lint: exit %d\n%s", r.code, r.stderr)
	}
}
