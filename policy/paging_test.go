package policy

import (
	"strconv"
	"strings"
	"testing"
)

// TestPagingProblems checks that mistakes in schedules, contact methods
// and chain step targets are reported at their lines.
func TestPagingProblems(t *testing.T) {
	y, ps := editDefault(t, []struct{ old, new string }{
		{"        on_call: [primary, secondary]\n", "        on_call: [primary, tertiary]\n"},
		{"        titles: [Engineering Lead]\n        delay: 30m\n", "        titles: [Chief Vibes Officer]\n        delay: next_business_day\n"},
		{"          participants: [alex, blake]\n          shift: weekly\n", "          participants: [alex, zed]\n          shift: fortnightly\n"},
		{"    email: alex@berrys.ai\n", "    email: alex@berrys.ai\n    contact_methods: [{ type: pager }, { type: webhook, url: \"ftp://x\" }]\n"},
		{"    paging: business_hours # pages wait for business hours\n", "    paging: sometimes\n"},
	})
	expectProblemsAt(t, y, ps, []wantProblem{
		{"      contact_methods: [{ type: pager }", `people[0].contact_methods[0].type: unknown contact method "pager"`},
		{"      contact_methods: [{ type: pager }", `people[0].contact_methods[1].url: invalid URL "ftp://x"`},
		{"    paging: sometimes", `severities[2].paging: unknown paging "sometimes"`},
		{"        on_call: [primary, tertiary]", `escalation_chains[0].steps[0].on_call[1]: unknown on-call "tertiary"`},
		{"        titles: [Chief Vibes Officer]", `no one in people has the title "Chief Vibes Officer"`},
		{"        delay: next_business_day", `escalation_chains[0].steps[1].delay: want immediate or a duration`},
		{"          participants: [alex, zed]", `schedules[0].layers[0].rotation.participants[1]: unknown person "zed"`},
		{"          shift: fortnightly", `unknown shift "fortnightly"`},
	})
}

// editDefault applies textual edits to the default policy, each of
// which must apply, and returns it with its problems.
func editDefault(t *testing.T, edits []struct{ old, new string }) (string, Problems) {
	t.Helper()
	y := string(DefaultYAML())
	for _, r := range edits {
		if !strings.Contains(y, r.old) {
			t.Fatalf("default policy lacks %q", r.old)
		}
		y = strings.Replace(y, r.old, r.new, 1)
	}
	_, err := Parse("p.yaml", []byte(y))
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("Parse: %v", err)
	}
	return y, ps
}

// wantProblem is a problem expected in a policy, at the line where at is.
type wantProblem struct{ at, msg string }

// expectProblemsAt checks that each expected problem is among ps, at its
// line of y.
func expectProblemsAt(t *testing.T, y string, ps Problems, want []wantProblem) {
	t.Helper()
	line := func(s string) int { return strings.Count(y[:strings.Index(y, strings.TrimLeft(s, " "))], "\n") + 1 }
	for _, w := range want {
		wantLine := "p.yaml:" + strconv.Itoa(line(w.at)) + ":"
		found := false
		for _, p := range ps {
			if strings.Contains(p.String(), w.msg) {
				found = true
				if !strings.HasPrefix(p.String(), wantLine) {
					t.Errorf("%q reported as %q, want it at %s", w.msg, p.String(), wantLine)
				}
			}
		}
		if !found {
			t.Errorf("missing %q in:\n%s", w.msg, ps.Error())
		}
	}
}

// TestRepeatAndClockProblems: the settings of repeats, acknowledgement
// scope, breaches, clocks, delivery and source contacts are checked, each
// problem at its line.
func TestRepeatAndClockProblems(t *testing.T) {
	y, ps := editDefault(t, []struct{ old, new string }{
		{"    repeat: { every: 15m, times: 4, steps: walk }\n", "    repeat: { every: 30s, times: 0, steps: everything }\n"},
		{"      after_ack: notify # the Engineering Lead is told even once acknowledged\n", "      after_ack: shout\n"},
		{"      on_breach: next_step # a missed clock pages the Director of Engineering\n", "      on_breach: fire_everyone\n"},
		{"  immediate_window: 5m\n", "  immediate_window: 2h\n"},
		{"  at_risk: 75%\n", "  at_risk: 150%\n"},
		{"  retry_for: 30m\n", "  retry_for: next_business_day\n"},
		{"  - { source: security, contacts: [security] }\n", "  - { source: rumour, contacts: [nobody] }\n"},
	})
	expectProblemsAt(t, y, ps, []wantProblem{
		{"immediate_window: 2h", "clocks.immediate_window: want a duration from 1s to 1h"},
		{"at_risk: 150%", `clocks.at_risk: invalid percentage "150%"`},
		{"repeat: { every: 30s", "severities[0].repeat.times: want 1 to 20 repeats"},
		{"repeat: { every: 30s", "severities[0].repeat.every: want a duration of at least a minute"},
		{"repeat: { every: 30s", `severities[0].repeat.steps: unknown steps "everything"`},
		{"after_ack: shout", `severities[1].escalation.after_ack: unknown after_ack "shout"`},
		{"on_breach: fire_everyone", `severities[1].escalation.on_breach: unknown on_breach "fire_everyone"`},
		{"- { source: rumour", `source_contacts[0].source: unknown source "rumour"`},
		{"- { source: rumour", `source_contacts[0].contacts[0]: unknown contact "nobody"`},
		{"retry_for: next_business_day", "delivery.retry_for: want a duration from 1m to 24h"},
	})
}
