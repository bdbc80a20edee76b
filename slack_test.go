package fireline

import (
	"strings"
	"testing"
	"time"
)

// TestChannelName: the template filled in with the declaration's date in
// the calendar's time zone and the title's slug, Slack's characters only,
// at most 80 characters with the -2, -3 suffix of a taken name.
func TestChannelName(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Calendar: Calendar{Location: ny}}
	// 02:30 UTC on the 2nd is still the 1st in New York.
	inc := &Incident{Number: 7, Title: "  Checkout: 5xx errors (EU) — payments!! ", DeclaredAt: time.Date(2026, 12, 2, 2, 30, 0, 0, time.UTC)}
	cases := []struct {
		template string
		attempt  int
		want     string
	}{
		{"", 1, "incident-2026-12-01-checkout-5xx-errors-eu-payments"},
		{"", 2, "incident-2026-12-01-checkout-5xx-errors-eu-payments-2"},
		{"INC {number} {slug}", 1, "inc-7-checkout-5xx-errors-eu-payments"},
	}
	for _, c := range cases {
		p.Slack.NameTemplate = c.template
		if got := p.ChannelName(inc, c.attempt); got != c.want {
			t.Errorf("%q attempt %d: %q, want %q", c.template, c.attempt, got, c.want)
		}
	}
	p.Slack.NameTemplate = ""
	inc.Title = strings.Repeat("very long title ", 10)
	for _, attempt := range []int{1, 3} {
		got := p.ChannelName(inc, attempt)
		if len(got) > MaxSlackChannelName || strings.Contains(got, "--") || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("attempt %d: %q (%d characters)", attempt, got, len(got))
		}
		if attempt == 3 && !strings.HasSuffix(got, "-3") {
			t.Errorf("attempt 3: %q lacks -3", got)
		}
	}
}
