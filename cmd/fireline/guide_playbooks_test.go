package main

import (
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
)

// TestGuideAgendaPlaybooks: the guide review's agenda lists the playbooks
// the quarter's incidents used, with their incidents and steps done,
// skipped and added, in the API, the CLI and the console's guide page;
// a restricted incident counts only for those who may see it.
func TestGuideAgendaPlaybooks(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		pol := writePolicy(t, withoutComms(t, withoutGate(t, string(policy.DefaultYAML()))))
		s := startTestServerWith(t, dsn, func(c *serveConfig) { c.PolicyPath = pol })
		kai, gray := s.newToken(t, "responder", "kai"), s.newToken(t, "viewer", "gray")
		var open, secret fireline.Incident
		s.cliJSON(t, kai, &open, "incident", "declare", "--title", "Possible breach of the billing export", "--severity", "P3")
		s.cliJSON(t, kai, &secret, "incident", "declare", "--title", "Stolen signing key", "--severity", "P3", "--source", "security")
		s.mustCLI(t, kai, "incident", "check", open.ID, "security-incident/1")
		s.mustCLI(t, kai, "incident", "add-step", open.ID, "security-incident", "Tell the data protection officer", "--stage", "mitigation")
		s.mustCLI(t, kai, "incident", "check", open.ID, "security-incident/14")
		s.mustCLI(t, kai, "incident", "resolve", open.ID)

		used := func(token string) map[string]fireline.AgendaPlaybook {
			var st fireline.GuideReviewStatus
			s.cliJSON(t, token, &st, "policy", "review")
			out := map[string]fireline.AgendaPlaybook{}
			for _, pb := range st.Agenda.Playbooks {
				out[pb.Playbook] = pb
			}
			return out
		}
		if pb := used(gray)["security-incident"]; pb.Incidents != 1 || pb.Done != 2 || pb.Skipped != 12 || pb.Added != 1 || pb.Open != 0 {
			t.Errorf("gray's agenda: %+v", pb)
		}
		if pb := used(kai)["security-incident"]; pb.Incidents != 2 || pb.Open != 13 {
			t.Errorf("kai's agenda (a member of the restricted %s): %+v", secret.ID, pb)
		}
		if out := s.mustCLI(t, gray, "policy", "review"); !strings.Contains(out, "playbook security-incident: 1 incidents; steps done 2, skipped 12, open 0, added 1") {
			t.Errorf("policy review:\n%s", out)
		}
		guide := readBody(t, s.console(t, "GET", "/guide", s.session(t, "viewer", "gray"), nil))
		if !strings.Contains(guide, `<table class="table" id="guide-playbooks">`) || !strings.Contains(guide, `<span class="late">12</span>`) {
			t.Errorf("the guide page lacks the playbooks used")
		}
	})
}
