package fireline

import (
	"fmt"
	"testing"
)

// TestPlaybooksUsed: the agenda's playbooks, most used first, with the
// steps that applied done, skipped (resolved) or open, and added ones.
func TestPlaybooksUsed(t *testing.T) {
	p := testPolicy()
	step := func(key string, checked bool, sevs ...Severity) ChecklistStep {
		return ChecklistStep{PlaybookStep: PlaybookStep{Key: key, Text: key, Severities: sevs}, Checked: checked}
	}
	inc := func(n int64, st Status, sev Severity, pbs ...AttachedPlaybook) *Incident {
		return &Incident{Number: n, ID: IncidentID(n), Status: st, Severity: sev, DeclaredAt: declaredAt, Checklist: Checklist{Playbooks: pbs}}
	}
	outage := func(steps ...ChecklistStep) AttachedPlaybook {
		return AttachedPlaybook{ID: "service-outage", Title: "Service outage", Steps: steps}
	}
	added := step("db/3", false)
	added.AddedBy = "bob"
	tests := []struct {
		name string
		incs []*Incident
		want string
	}{
		{"none", nil, "[]"},
		{"resolved: unchecked steps skipped; a P1-only step left out of a P2", []*Incident{
			inc(1, StatusResolved, P2, outage(step("o/1", true), step("o/2", false), step("o/3", false, P1)))},
			"[service-outage 1 1/1/0/0]"},
		{"open: unchecked steps open; most used first", []*Incident{
			inc(1, StatusResolved, P1, outage(step("o/1", true), step("o/2", true))),
			inc(2, StatusTriggered, P1, outage(step("o/1", false), step("o/2", false)),
				AttachedPlaybook{ID: "db", Steps: []ChecklistStep{step("db/1", true), added}})},
			"[service-outage 2 2/0/2/0 db 1 1/0/1/1]"},
	}
	for _, tt := range tests {
		got := "["
		for i, a := range p.PlaybooksUsed(tt.incs) {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("%s %d %d/%d/%d/%d", a.Playbook, a.Incidents, a.Done, a.Skipped, a.Open, a.Added)
		}
		if got += "]"; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
