package fireline

import (
	"errors"
	"testing"
	"time"
)

// newYork is the test calendar's time zone.
var newYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ny returns an instant on the New York wall clock.
func ny(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, newYork)
}

// utc returns an instant on the UTC wall clock.
func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func mustDeadline(s string) Deadline {
	d, err := ParseDeadline(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// testCalendar is New York business hours, Monday to Friday 09:00-17:00,
// next-business-day deadlines at 17:00, with a few 2026 holidays.
func testCalendar() Calendar {
	return Calendar{
		TimeZone:          "America/New_York",
		WorkingDays:       []Weekday{Weekday(time.Monday), Weekday(time.Tuesday), Weekday(time.Wednesday), Weekday(time.Thursday), Weekday(time.Friday)},
		Opens:             9 * 60,
		Closes:            17 * 60,
		NextBusinessDayBy: 17 * 60,
		Holidays: []Holiday{
			{Date: mustDate("2026-01-19"), Name: "Martin Luther King Jr. Day"},  // Monday
			{Date: mustDate("2026-05-25"), Name: "Memorial Day"},                // Monday
			{Date: mustDate("2026-07-03"), Name: "Independence Day (observed)"}, // Friday
			{Date: mustDate("2026-11-26"), Name: "Thanksgiving"},                // Thursday
			{Date: mustDate("2026-12-25"), Name: "Christmas Day"},               // Friday
		},
		Location: newYork,
	}
}

// testPolicy is the incident response guide as data, built inline so that
// root tests do not depend on the policy package.
func testPolicy() *Policy {
	sev := func(level Severity, name, inHours, outHours, resolve, within string) SeverityPolicy {
		return SeverityPolicy{
			Level:      level,
			Name:       name,
			Respond:    ResponseTarget{BusinessHours: mustDeadline(inHours), OutsideBusinessHours: mustDeadline(outHours)},
			Resolve:    mustDeadline(resolve),
			Escalation: EscalationRule{Within: mustDeadline(within)},
		}
	}
	return &Policy{
		Version:      "test-1",
		Digest:       "0123456789abcdef0123456789abcdef",
		Organization: "Test Org",
		Calendar:     testCalendar(),
		Severities: []SeverityPolicy{
			sev(P1, "Critical", "immediate", "immediate", "4h", "immediate"),
			sev(P2, "High", "1h", "4h", "8h", "2h"),
			sev(P3, "Medium", "4h", "next_business_day", "24h", "8h"),
			sev(P4, "Low", "next_business_day", "next_business_day", "1w", "none"),
		},
		Roles: []RoleDefinition{
			{ID: RolePrimaryOnCall, Name: "Primary On-Call Engineer"},
			{ID: RoleSecondaryOnCall, Name: "Secondary On-Call Engineer"},
			{ID: RoleIncidentCommander, Name: "Incident Commander"},
			{ID: RoleSME, Name: "Subject Matter Expert", Multiple: true},
			{ID: RoleCommunicationsLiaison, Name: "Communications Liaison"},
		},
		Services: []Service{
			{ID: "api-gateway", Name: "API Gateway", Critical: true},
			{ID: "agent-orchestrator", Name: "Agent Orchestrator", Critical: true},
			{ID: "model-orchestration", Name: "Model Orchestration", Critical: true},
			{ID: "web-console", Name: "Web Console"},
		},
		People: []Person{
			{ID: "alice", Name: "Alice"},
			{ID: "bob", Name: "Bob"},
			{ID: "carol", Name: "Carol"},
			{ID: "dave", Name: "Dave"},
			{ID: "erin", Name: "Erin"},
			{ID: "frank", Name: "Frank"},
		},
	}
}

// wantCode fails the test unless err carries the error code want ("" for
// no error).
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := ErrorCode(err); got != want {
		t.Fatalf("error code = %q (err %v), want %q", got, err, want)
	}
	if want != "" {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *fireline.Error", err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
