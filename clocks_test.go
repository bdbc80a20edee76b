package fireline

import (
	"testing"
	"time"
)

func TestPolicyClocks(t *testing.T) {
	p := testPolicy()
	wed := func(hh, mm int) time.Time { return ny(2026, 6, 10, hh, mm) } // a Wednesday in June (EDT)
	tests := []struct {
		name     string
		level    Severity
		start    time.Time
		respond  time.Time
		escalate *time.Time
		resolve  time.Time
	}{
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
	}
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

func sameClocks(a, b Clocks) bool {
	if (a.EscalateBy == nil) != (b.EscalateBy == nil) {
		return false
	}
	if a.EscalateBy != nil && !a.EscalateBy.Equal(*b.EscalateBy) {
		return false
	}
	return a.RespondBy.Equal(b.RespondBy) && a.ResolveBy.Equal(b.ResolveBy)
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
