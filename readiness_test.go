package fireline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// TestReadinessUnconfiguredChannel: someone on call whose only contact
// methods go through a channel the server has not configured cannot be
// reached, and readiness says so.
func TestReadinessUnconfiguredChannel(t *testing.T) {
	p := policy.Default()
	from := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	unreachable := func(problems []fireline.ReadinessProblem) []string {
		var who []string
		for _, pr := range problems {
			if pr.Kind == "unreachable" {
				who = append(who, pr.Person)
			}
		}
		return who
	}
	if got := unreachable(p.Readiness(from, to, nil, nil)); len(got) != 0 {
		t.Fatalf("with every channel usable, unreachable: %v", got)
	}
	onlyWebhook := func(m fireline.ContactMethodType) bool { return m == fireline.MethodWebhook }
	got := unreachable(p.Readiness(from, to, nil, onlyWebhook))
	if len(got) == 0 {
		t.Fatal("with email unconfigured, nobody on call is reported unreachable")
	}
	for _, pr := range p.Readiness(from, to, nil, onlyWebhook) {
		if pr.Kind == "unreachable" && !strings.Contains(pr.Message, "not configured") {
			t.Errorf("message does not say why: %q", pr.Message)
		}
	}
}
