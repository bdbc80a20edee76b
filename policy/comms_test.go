package policy

import (
	"slices"
	"testing"
)

// TestCommsProblems: the communications section is checked against the
// rest of the policy, each problem at its line.
func TestCommsProblems(t *testing.T) {
	src := apply(t, minimal(t), []edit{{"  - {id: api, name: API, critical: true}\n",
		"  - {id: api, name: API, critical: true, public: true}\n  - {id: db, name: DB}\n"}}) + `communications:
  groups:
    - {id: core, name: Core, services: [api, db, nope]}
  component_states: [{severity: P9, state: broken}]
  approval: {not_required_for: [P5], approvers: [boss]}
  cadence: {every: [{severities: [P1], interval: 10s}], on_missed_chain: business}
  audiences: [{id: all, severities: [P1], contacts: [press], people: [zed]}]
  templates: [{status: fixed, text: "{{.Nope"}]
`
	got := problemLines(t, src)
	want := []string{
		"minimal.yaml:68: communications.groups[0].services[1]: service \"db\" is not public: set public: true on it to show it on the status page",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("problems:\n%v\nwant among them %s", got, w)
		}
	}
	if len(got) != 12 {
		t.Errorf("%d problems, want 12:\n%v", len(got), got)
	}
	if p := Default(); len(p.PublicServices()) != 5 || len(p.Comms.Groups) != 2 {
		t.Errorf("the default policy has %d public services in %d groups", len(p.PublicServices()), len(p.Comms.Groups))
	}
}
