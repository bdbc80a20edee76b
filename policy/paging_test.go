package policy

import (
	"strconv"
	"strings"
	"testing"
)

// TestPagingProblems checks that mistakes in schedules, contact methods
// and chain step targets are reported at their lines.
func TestPagingProblems(t *testing.T) {
	y := string(DefaultYAML())
	for _, r := range []struct{ old, new string }{
		{"        on_call: [primary, secondary]\n", "        on_call: [primary, tertiary]\n"},
		{"        titles: [Engineering Lead]\n        delay: 30m\n", "        titles: [Chief Vibes Officer]\n        delay: next_business_day\n"},
		{"          participants: [alex, blake]\n          shift: weekly\n", "          participants: [alex, zed]\n          shift: fortnightly\n"},
		{"    email: alex@berrys.ai\n", "    email: alex@berrys.ai\n    contact_methods: [{ type: pager }, { type: webhook, url: \"ftp://x\" }]\n"},
		{"    paging: business_hours # pages wait for business hours\n", "    paging: sometimes\n"},
	} {
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
	line := func(s string) int { return strings.Count(y[:strings.Index(y, s)], "\n") + 1 }
	want := []struct {
		at  string
		msg string
	}{
		{"      contact_methods: [{ type: pager }", `people[0].contact_methods[0].type: unknown contact method "pager"`},
		{"      contact_methods: [{ type: pager }", `people[0].contact_methods[1].url: invalid URL "ftp://x"`},
		{"    paging: sometimes", `severities[2].paging: unknown paging "sometimes"`},
		{"        on_call: [primary, tertiary]", `escalation_chains[0].steps[0].on_call[1]: unknown on-call "tertiary"`},
		{"        titles: [Chief Vibes Officer]", `no one in people has the title "Chief Vibes Officer"`},
		{"        delay: next_business_day", `escalation_chains[0].steps[1].delay: want immediate or a duration`},
		{"          participants: [alex, zed]", `schedules[0].layers[0].rotation.participants[1]: unknown person "zed"`},
		{"          shift: fortnightly", `unknown shift "fortnightly"`},
	}
	all := ps.Error()
	for _, w := range want {
		wantLine := "p.yaml:" + strconv.Itoa(line(strings.TrimLeft(w.at, " "))) + ":"
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
			t.Errorf("missing %q in:\n%s", w.msg, all)
		}
	}
}
