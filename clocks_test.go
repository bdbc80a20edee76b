package fireline

import (
	"strings"
	"testing"
	"time"
)

func TestPolicyClocks(t *testing.T) {
	p := testPolicy()
	wed := func(hh, mm int) time.Time { return ny(2026, 6, 10, hh, mm) } // a Wednesday in June (EDT)
	runClockCases(t, p, []clockCase{
		// P1: immediate response and escalation (met within the 5-minute
		// immediate window), 4h resolution, 24/7.
		{"P1 in hours", P1, wed(10, 0), wed(10, 5), ptr(wed(10, 5)), wed(14, 0)},
		{"P1 at night", P1, wed(3, 0), wed(3, 5), ptr(wed(3, 5)), wed(7, 0)},
		{"P1 at midnight", P1, wed(0, 0), wed(0, 5), ptr(wed(0, 5)), wed(4, 0)},
		{"P1 on Saturday", P1, ny(2026, 6, 13, 12, 0), ny(2026, 6, 13, 12, 5), ptr(ny(2026, 6, 13, 12, 5)), ny(2026, 6, 13, 16, 0)},
		{"P1 late evening crosses midnight", P1, wed(22, 30), wed(22, 35), ptr(wed(22, 35)), ny(2026, 6, 11, 2, 30)},
		// P2: 1h in hours, 4h outside, escalate 2h, resolve 8h.
		{"P2 in hours", P2, wed(10, 0), wed(11, 0), ptr(wed(12, 0)), wed(18, 0)},
		{"P2 at opening", P2, wed(9, 0), wed(10, 0), ptr(wed(11, 0)), wed(17, 0)},
		{"P2 a minute before opening", P2, wed(8, 59), wed(12, 59), ptr(wed(10, 59)), wed(16, 59)},
		{"P2 at 16:59", P2, wed(16, 59), wed(17, 59), ptr(wed(18, 59)), ny(2026, 6, 11, 0, 59)},
		{"P2 at 17:00", P2, wed(17, 0), wed(21, 0), ptr(wed(19, 0)), ny(2026, 6, 11, 1, 0)},
		{"P2 at midnight", P2, wed(0, 0), wed(4, 0), ptr(wed(2, 0)), wed(8, 0)},
		{"P2 on Saturday", P2, ny(2026, 6, 13, 12, 0), ny(2026, 6, 13, 16, 0), ptr(ny(2026, 6, 13, 14, 0)), ny(2026, 6, 13, 20, 0)},
		{"P2 on a holiday", P2, ny(2026, 5, 25, 12, 0), ny(2026, 5, 25, 16, 0), ptr(ny(2026, 5, 25, 14, 0)), ny(2026, 5, 25, 20, 0)},
		// P3: 4h in hours, next business day outside, escalate 8h, resolve 24h.
		{"P3 in hours", P3, wed(10, 0), wed(14, 0), ptr(wed(18, 0)), ny(2026, 6, 11, 10, 0)},
		{"P3 at 16:59", P3, wed(16, 59), wed(20, 59), ptr(ny(2026, 6, 11, 0, 59)), ny(2026, 6, 11, 16, 59)},
		{"P3 at 17:00", P3, wed(17, 0), ny(2026, 6, 11, 17, 0), ptr(ny(2026, 6, 11, 1, 0)), ny(2026, 6, 11, 17, 0)},
		{"P3 at midnight", P3, wed(0, 0), wed(17, 0), ptr(wed(8, 0)), ny(2026, 6, 11, 0, 0)},
		{"P3 a minute before opening", P3, wed(8, 59), wed(17, 0), ptr(wed(16, 59)), ny(2026, 6, 11, 8, 59)},
		// A resolve target is never earlier than the respond target: a
		// weekend P3 paged around the clock is due to resolve when it is
		// due a response.
		{"P3 Friday at 17:00", P3, ny(2026, 6, 12, 17, 0), ny(2026, 6, 15, 17, 0), ptr(ny(2026, 6, 13, 1, 0)), ny(2026, 6, 15, 17, 0)},
		{"P3 on Saturday", P3, ny(2026, 6, 13, 12, 0), ny(2026, 6, 15, 17, 0), ptr(ny(2026, 6, 13, 20, 0)), ny(2026, 6, 15, 17, 0)},
		{"P3 Friday evening before a holiday Monday", P3, ny(2026, 5, 22, 18, 0), ny(2026, 5, 26, 17, 0), ptr(ny(2026, 5, 23, 2, 0)), ny(2026, 5, 26, 17, 0)},
		{"P3 Friday evening before spring forward", P3, ny(2026, 3, 6, 18, 0), utc(2026, 3, 9, 21, 0), ptr(utc(2026, 3, 7, 7, 0)), utc(2026, 3, 9, 21, 0)},
		{"P3 Friday evening before fall back", P3, ny(2026, 10, 30, 18, 0), utc(2026, 11, 2, 22, 0), ptr(utc(2026, 10, 31, 6, 0)), utc(2026, 11, 2, 22, 0)},
		// P4: next business day either way, no escalation, resolve 1w.
		{"P4 in hours", P4, wed(10, 0), ny(2026, 6, 11, 17, 0), nil, ny(2026, 6, 17, 10, 0)},
		{"P4 before opening", P4, wed(8, 0), wed(17, 0), nil, ny(2026, 6, 17, 8, 0)},
		{"P4 at 16:59", P4, wed(16, 59), ny(2026, 6, 11, 17, 0), nil, ny(2026, 6, 17, 16, 59)},
		{"P4 at 17:00", P4, wed(17, 0), ny(2026, 6, 11, 17, 0), nil, ny(2026, 6, 17, 17, 0)},
		{"P4 at midnight", P4, wed(0, 0), wed(17, 0), nil, ny(2026, 6, 17, 0, 0)},
		{"P4 on Saturday", P4, ny(2026, 6, 13, 9, 30), ny(2026, 6, 15, 17, 0), nil, ny(2026, 6, 20, 9, 30)},
		{"P4 Thursday before a holiday Friday", P4, ny(2026, 7, 2, 12, 0), ny(2026, 7, 6, 17, 0), nil, ny(2026, 7, 9, 12, 0)},
		// A week across spring forward is 168 elapsed hours.
		{"P4 across spring forward", P4, ny(2026, 3, 4, 10, 0), ny(2026, 3, 5, 17, 0), nil, ny(2026, 3, 4, 10, 0).Add(7 * 24 * time.Hour)},
	})
}

// clockCase is a clock started at start and the deadlines it must give.
type clockCase struct {
	name     string
	level    Severity
	start    time.Time
	respond  time.Time
	escalate *time.Time
	resolve  time.Time
}

// runClockCases checks each case's deadlines, and that no resolve target
// is earlier than its respond target.
func runClockCases(t *testing.T, p *Policy, tests []clockCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := p.Clocks(tt.level, tt.start)
			if err != nil {
				t.Fatal(err)
			}
			if !c.RespondBy.Equal(tt.respond) {
				t.Errorf("RespondBy = %s, want %s", c.RespondBy.In(newYork), tt.respond.In(newYork))
			}
			if !c.ResolveBy.Equal(tt.resolve) {
				t.Errorf("ResolveBy = %s, want %s", c.ResolveBy.In(newYork), tt.resolve.In(newYork))
			}
			if c.ResolveBy.Before(c.RespondBy) {
				t.Errorf("resolve-by %s before respond-by %s", c.ResolveBy, c.RespondBy)
			}
			switch {
			case tt.escalate == nil && c.EscalateBy != nil:
				t.Errorf("EscalateBy = %s, want nil", c.EscalateBy.In(newYork))
			case tt.escalate != nil && c.EscalateBy == nil:
				t.Errorf("EscalateBy = nil, want %s", tt.escalate.In(newYork))
			case tt.escalate != nil && !c.EscalateBy.Equal(*tt.escalate):
				t.Errorf("EscalateBy = %s, want %s", c.EscalateBy.In(newYork), tt.escalate.In(newYork))
			}
		})
	}
}

func TestPolicyClocksUnknownSeverity(t *testing.T) {
	p := testPolicy()
	for _, level := range []Severity{"", "P5", "p1", "critical"} {
		_, err := p.Clocks(level, ny(2026, 6, 10, 10, 0))
		wantCode(t, err, EInvalid)
	}
}

func TestPolicyLookups(t *testing.T) {
	p := testPolicy()
	if got := p.VersionID(); got != "test-1+0123456789ab" {
		t.Errorf("VersionID = %q", got)
	}
	if got := (&Policy{Version: "v"}).VersionID(); got != "v" {
		t.Errorf("VersionID without digest = %q", got)
	}
	if got := (&Policy{Version: "v", Digest: "abc"}).VersionID(); got != "v+abc" {
		t.Errorf("VersionID with short digest = %q", got)
	}
	for _, level := range Severities {
		if sp, ok := p.Severity(level); !ok || sp.Level != level {
			t.Errorf("Severity(%s) = %v, %v", level, sp, ok)
		}
	}
	if r, ok := p.Role(RoleSME); !ok || !r.Multiple {
		t.Errorf("Role(sme) = %+v, %v", r, ok)
	}
	if _, ok := p.Role("janitor"); ok {
		t.Error("Role(janitor) found")
	}
	if _, ok := p.Service("api-gateway"); !ok {
		t.Error("Service(api-gateway) not found")
	}
	if _, ok := p.Person("zed"); ok {
		t.Error("Person(zed) found")
	}
}

// TestClocksOfBusinessHoursSeverities: a severity paged in business hours
// only counts escalate-by and resolve-by from the walk's start (the next
// opening, when its clock starts outside business hours), moves an
// escalate-by that would fall outside business hours to the next opening,
// and never resolves before it must respond. Respond-by stays the guide's.
func TestClocksOfBusinessHoursSeverities(t *testing.T) {
	p := testPolicy()
	for i := range p.Severities {
		if p.Severities[i].Level == P3 || p.Severities[i].Level == P4 {
			p.Severities[i].Paging = PageBusinessHours
		}
	}
	runClockCases(t, p, []clockCase{
		// Saturday 10:00: paging begins Monday 09:00; escalate-by 8h
		// after it, resolve-by 24h after it.
		{"P3 on Saturday", P3, ny(2026, 6, 13, 10, 0), ny(2026, 6, 15, 17, 0), ptr(ny(2026, 6, 15, 17, 0)), ny(2026, 6, 16, 9, 0)},
		// Friday 16:00 in hours: 8h is Saturday 00:00, moved to Monday's
		// opening; resolve 24h from the start.
		{"P3 Friday 16:00", P3, ny(2026, 6, 12, 16, 0), ny(2026, 6, 12, 20, 0), ptr(ny(2026, 6, 15, 9, 0)), ny(2026, 6, 13, 16, 0)},
		// Wednesday 10:00: 18:00 is after closing: Thursday 09:00.
		{"P3 Wednesday 10:00", P3, ny(2026, 6, 10, 10, 0), ny(2026, 6, 10, 14, 0), ptr(ny(2026, 6, 11, 9, 0)), ny(2026, 6, 11, 10, 0)},
		{"P3 Wednesday 09:00", P3, ny(2026, 6, 10, 9, 0), ny(2026, 6, 10, 13, 0), ptr(ny(2026, 6, 10, 17, 0)), ny(2026, 6, 11, 9, 0)},
		// Friday evening before Memorial Day: paging begins Tuesday.
		{"P3 before a holiday Monday", P3, ny(2026, 5, 22, 18, 0), ny(2026, 5, 26, 17, 0), ptr(ny(2026, 5, 26, 17, 0)), ny(2026, 5, 27, 9, 0)},
		// Thanksgiving Thursday at noon: paging begins Friday 09:00.
		{"P3 on Thanksgiving", P3, ny(2026, 11, 26, 12, 0), ny(2026, 11, 27, 17, 0), ptr(ny(2026, 11, 27, 17, 0)), ny(2026, 11, 28, 9, 0)},
		// Spring forward (8 March 2026): Monday's opening is 13:00 UTC,
		// not 14:00; 24h later is Tuesday 09:00 local.
		{"P3 over spring forward", P3, ny(2026, 3, 7, 12, 0), utc(2026, 3, 9, 21, 0), ptr(utc(2026, 3, 9, 21, 0)), utc(2026, 3, 10, 13, 0)},
		// Fall back (1 November 2026).
		{"P3 over fall back", P3, ny(2026, 10, 31, 12, 0), utc(2026, 11, 2, 22, 0), ptr(utc(2026, 11, 2, 22, 0)), utc(2026, 11, 3, 14, 0)},
		// P4 has no escalation; a week from Monday's opening.
		{"P4 on Saturday", P4, ny(2026, 6, 13, 10, 0), ny(2026, 6, 15, 17, 0), nil, ny(2026, 6, 22, 9, 0)},
	})
}

// TestClockMarks: at risk at 75% of each clock's time, breached a
// tolerance after it falls due; a clock with no time has no at-risk mark.
func TestClockMarks(t *testing.T) {
	p := testPolicy()
	tl := declare(t, p, P2, declaredAt) // Wednesday 10:00: respond 11:00, escalate 12:00, resolve 18:00
	var got []string
	for _, m := range p.ClockMarks(tl.inc) {
		kind := "at risk"
		if m.Breach {
			kind = "breached"
		}
		got = append(got, string(m.Clock)+" "+kind+" "+m.At.In(newYork).Format("15:04:05"))
	}
	want := []string{"respond at risk 10:45:00", "respond breached 11:00:01", "escalate at risk 11:30:00", "escalate breached 12:00:01",
		"resolve at risk 16:00:00", "resolve breached 18:00:01"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("marks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p.ClockRules.AtRisk = 50
	if m := p.ClockMarks(tl.inc)[0]; !m.At.Equal(ny(2026, 6, 10, 10, 30)) {
		t.Errorf("at risk at 50%%: %s", m.At.In(newYork))
	}
}
