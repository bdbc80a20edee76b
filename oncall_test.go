package fireline_test

import (
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestRotationShifts(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	d := func(y int, m time.Month, day int) fireline.Date { return fireline.Date{Year: y, Month: m, Day: day} }
	at := func(y int, m time.Month, day, h, min int) time.Time { return time.Date(y, m, day, h, min, 0, 0, ny) }
	twelve, _ := fireline.ParseDeadline("12h")
	three, _ := fireline.ParseDeadline("3d")
	tests := []struct {
		name       string
		r          fireline.Rotation
		t          time.Time
		who        string
		start, end time.Time
	}{
		{"weekly, first shift", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftWeekly, Handoff: 9 * 60, Start: d(2026, 1, 5)},
			at(2026, 1, 5, 9, 0), "a", at(2026, 1, 5, 9, 0), at(2026, 1, 12, 9, 0)},
		{"weekly, a minute before handoff", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftWeekly, Handoff: 9 * 60, Start: d(2026, 1, 5)},
			at(2026, 1, 12, 8, 59), "a", at(2026, 1, 5, 9, 0), at(2026, 1, 12, 9, 0)},
		{"weekly, before the start runs backwards", fireline.Rotation{Participants: []string{"a", "b", "c"}, Shift: fireline.ShiftWeekly, Handoff: 9 * 60, Start: d(2026, 1, 5)},
			at(2026, 1, 1, 12, 0), "c", at(2025, 12, 29, 9, 0), at(2026, 1, 5, 9, 0)},
		{"daily across spring-forward keeps 09:00 local (a 23-hour shift)", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftDaily, Handoff: 9 * 60, Start: d(2026, 3, 1)},
			at(2026, 3, 8, 12, 0), "b", at(2026, 3, 8, 9, 0), at(2026, 3, 9, 9, 0)},
		{"daily across fall-back keeps 09:00 local (a 25-hour shift)", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftDaily, Handoff: 9 * 60, Start: d(2026, 10, 1)},
			at(2026, 11, 1, 20, 0), "b", at(2026, 11, 1, 9, 0), at(2026, 11, 2, 9, 0)},
		{"hourly counts wall-clock hours across DST", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftHourly, Handoff: 0, Start: d(2026, 3, 8)},
			time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), "a", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)},
		{"custom 12h", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftCustom, Length: twelve, Handoff: 8 * 60, Start: d(2026, 6, 1)},
			at(2026, 6, 1, 21, 0), "b", at(2026, 6, 1, 20, 0), at(2026, 6, 2, 8, 0)},
		{"custom 3 days hands off at local time", fireline.Rotation{Participants: []string{"a", "b"}, Shift: fireline.ShiftCustom, Length: three, Handoff: 8 * 60, Start: d(2026, 3, 6)},
			at(2026, 3, 9, 8, 0), "b", at(2026, 3, 9, 8, 0), at(2026, 3, 12, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end, who, ok := tt.r.ShiftAt(tt.t, ny)
			if !ok || who != tt.who || !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("ShiftAt(%s) = %s [%s, %s), want %s [%s, %s)", tt.t, who, start, end, tt.who, tt.start, tt.end)
			}
		})
	}
}

func TestOnCallLayersRestrictionsOverrides(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	cal := fireline.Calendar{TimeZone: "America/New_York", Location: ny, Opens: 9 * 60, Closes: 17 * 60,
		WorkingDays: []fireline.Weekday{1, 2, 3, 4, 5}, NextBusinessDayBy: 17 * 60}
	start := fireline.Date{Year: 2026, Month: 1, Day: 5}
	rot := func(p ...string) fireline.Rotation {
		return fireline.Rotation{Participants: p, Shift: fireline.ShiftWeekly, Handoff: 9 * 60, Start: start}
	}
	s := &fireline.Schedule{ID: "eng", Location: ny, Layers: []fireline.Layer{
		{Role: fireline.OnCallPrimary, Rotation: rot("a", "b")},
		{Role: fireline.OnCallPrimary, Rotation: rot("day"), Restrict: fireline.RestrictBusinessHours},
		{Role: fireline.OnCallSecondary, Rotation: rot("s")},
	}}
	tue10 := time.Date(2026, 1, 6, 10, 0, 0, 0, ny)
	tue20 := time.Date(2026, 1, 6, 20, 0, 0, 0, ny)
	older := fireline.Override{Schedule: "eng", Role: fireline.OnCallPrimary, Person: "x", From: tue10.Add(-time.Hour), To: tue10.Add(12 * time.Hour), CreatedAt: tue10.Add(-48 * time.Hour)}
	newer := fireline.Override{Schedule: "eng", Role: fireline.OnCallPrimary, Person: "y", From: tue10, To: tue10.Add(time.Hour), CreatedAt: tue10.Add(-24 * time.Hour)}
	other := fireline.Override{Schedule: "ops", Role: fireline.OnCallPrimary, Person: "z", From: tue10.Add(-time.Hour), To: tue10.Add(time.Hour)}
	tests := []struct {
		name      string
		role      fireline.OnCallRole
		at        time.Time
		overrides []fireline.Override
		want      string
	}{
		{"business-hours layer wins inside business hours", fireline.OnCallPrimary, tue10, nil, "day"},
		{"base layer shows through outside them", fireline.OnCallPrimary, tue20, nil, "a"},
		{"secondary layer", fireline.OnCallSecondary, tue20, nil, "s"},
		{"an override beats every layer", fireline.OnCallPrimary, tue20, []fireline.Override{older}, "x"},
		{"of overlapping overrides the newest wins", fireline.OnCallPrimary, tue10, []fireline.Override{older, newer}, "y"},
		{"an override ends at its end", fireline.OnCallPrimary, tue10.Add(time.Hour), []fireline.Override{newer}, "day"},
		{"another schedule's override does not apply", fireline.OnCallPrimary, tue20, []fireline.Override{other}, "a"},
		{"an override of the other role does not apply", fireline.OnCallSecondary, tue10, []fireline.Override{older}, "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.OnCall(tt.role, tt.at, cal, tt.overrides); got != tt.want {
				t.Errorf("OnCall = %q, want %q", got, tt.want)
			}
		})
	}

	// Shifts: a restricted layer alone leaves gaps outside business hours.
	gappy := &fireline.Schedule{ID: "g", Location: ny, Layers: []fireline.Layer{{Role: fireline.OnCallPrimary, Rotation: rot("day"), Restrict: fireline.RestrictBusinessHours}}}
	shifts := gappy.Shifts(fireline.OnCallPrimary, tue10, tue10.Add(24*time.Hour), cal, nil)
	want := []struct {
		who        string
		start, end time.Time
	}{{"day", tue10, time.Date(2026, 1, 6, 17, 0, 0, 0, ny)}, {"", time.Date(2026, 1, 6, 17, 0, 0, 0, ny), time.Date(2026, 1, 7, 9, 0, 0, 0, ny)},
		{"day", time.Date(2026, 1, 7, 9, 0, 0, 0, ny), tue10.Add(24 * time.Hour)}}
	if len(shifts) != len(want) {
		t.Fatalf("shifts: %+v", shifts)
	}
	for i, w := range want {
		if shifts[i].Person != w.who || !shifts[i].Start.Equal(w.start) || !shifts[i].End.Equal(w.end) {
			t.Errorf("shift %d = %+v, want %s [%s, %s)", i, shifts[i], w.who, w.start, w.end)
		}
	}
}
