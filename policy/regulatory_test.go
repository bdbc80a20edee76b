package policy

import "testing"

// TestRegulatoryProblems: the regulatory section's deadline, start,
// rules and contacts are checked, each problem at its line.
func TestRegulatoryProblems(t *testing.T) {
	y, ps := editDefault(t, []struct{ old, new string }{
		{"# regulatory:\n#   name: GDPR Art. 33 personal-data breach\n#   deadline: 72h\n#   from: detection\n#   applies_to:\n#     - sources: [security]\n#   contacts: [security]\n",
			"regulatory:\n  deadline: next_business_day\n  from: discovery\n  applies_to:\n    - sources: [rumour]\n  contacts: [legal]\n"},
	})
	expectProblemsAt(t, y, ps, []wantProblem{
		{"deadline: next_business_day", `regulatory.deadline: want a duration such as 72h or 3d`},
		{"from: discovery", `regulatory.from: unknown start "discovery"`},
		{"- sources: [rumour]", `regulatory.applies_to[0].sources[0]: unknown source "rumour"`},
		{"contacts: [legal]", `regulatory.contacts[0]: unknown contact "legal"`},
	})
}
