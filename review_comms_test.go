package fireline

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCommsCompliance: the public updates against the cadence (first
// within 15m of confirmation, then hourly for a P1): deadlines, updates
// sent, outcomes, the longest gap and the intervals not kept.
func TestCommsCompliance(t *testing.T) {
	p := testPolicy()
	confirmed := declaredAt.Add(2 * time.Minute)
	at := func(d time.Duration) *time.Time { t := confirmed.Add(d); return &t }
	update := func(n int, d time.Duration) PublicUpdate {
		return PublicUpdate{Number: n, State: UpdatePublished, PublishedAt: at(d)}
	}
	tests := []struct {
		name        string
		sev         Severity
		updates     []PublicUpdate
		obligations []Obligation
		resolved    time.Duration
		want        string // expected sent on_time late missed gap allowed intervals
	}{
		{"nothing recorded", P1, nil, nil, time.Hour, "none"},
		{"on cadence", P1, []PublicUpdate{update(1, 10*time.Minute), update(2, 70*time.Minute)},
			[]Obligation{{Due: *at(15 * time.Minute), First: true, Outcome: OutcomeOnTime}, {Due: *at(70 * time.Minute), Outcome: OutcomeOnTime}},
			100 * time.Minute, "2 2 2 0 0 1h 1h"},
		{"first late, second missed", P1, []PublicUpdate{update(1, 40*time.Minute)},
			[]Obligation{{Due: *at(15 * time.Minute), First: true, Outcome: OutcomeLate, MetAt: at(40 * time.Minute)}, {Due: *at(100 * time.Minute), Outcome: OutcomeMissed}},
			3 * time.Hour, "2 1 0 1 1 2h20m 1h late,missed"},
		{"a P3: the first only", P3, []PublicUpdate{update(1, 5*time.Minute)},
			[]Obligation{{Due: *at(15 * time.Minute), First: true, Outcome: OutcomeOnTime}},
			2 * time.Hour, "1 1 1 0 0 1h55m 0s"},
	}
	for _, tt := range tests {
		inc := &Incident{Severity: tt.sev, DeclaredAt: declaredAt, ResolvedAt: at(tt.resolved),
			Comms: Comms{Updates: tt.updates, ConfirmedAt: &confirmed, Obligations: tt.obligations}}
		c := p.CommsCompliance(inc)
		got := "none"
		if c != nil {
			var kinds []string
			for _, o := range c.Intervals {
				kinds = append(kinds, string(o.Outcome))
			}
			got = strings.TrimSpace(strings.Join([]string{strconv.Itoa(c.Expected), strconv.Itoa(c.Sent), strconv.Itoa(c.OnTime), strconv.Itoa(c.Late), strconv.Itoa(c.Missed),
				c.LongestGap.String(), c.Allowed.String(), strings.Join(kinds, ",")}, " "))
			got = strings.ReplaceAll(strings.ReplaceAll(got, "m0s", "m"), "h0m", "h")
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCommsComplianceMarkdown: the review's Markdown says it.
func TestCommsComplianceMarkdown(t *testing.T) {
	tl := reviewTimeline(t, P1)
	tl.mustDo(Action{Kind: ActResolve}, declaredAt.Add(3*time.Hour))
	due := declaredAt.Add(17 * time.Minute)
	tl.inc.Comms = Comms{ConfirmedAt: &declaredAt, Obligations: []Obligation{{Due: due, First: true, Outcome: OutcomeMissed}}}
	md := tl.p.Markdown(tl.p.DraftReview(tl.inc, tl.events, nil))
	for _, want := range []string{"## Communication cadence", "1 deadlines, 0 updates sent; 0 on time, 0 late, 1 missed.",
		"Longest gap without an update: 3h", "**2h45m over**", "missed (never met)"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}
