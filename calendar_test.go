package fireline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCalendarIsBusinessDay(t *testing.T) {
	cal := testCalendar()
	tests := []struct {
		date string
		want bool
	}{
		{"2026-06-08", true},  // Monday
		{"2026-06-10", true},  // Wednesday
		{"2026-06-12", true},  // Friday
		{"2026-06-13", false}, // Saturday
		{"2026-06-14", false}, // Sunday
		{"2026-01-19", false}, // holiday, Monday
		{"2026-01-20", true},  // day after the holiday
		{"2026-07-03", false}, // holiday, Friday
		{"2026-11-26", false}, // Thanksgiving
		{"2026-11-27", true},  // the Friday after
		{"2026-12-25", false}, // Christmas
		{"2026-03-08", false}, // spring-forward Sunday
		{"2026-03-09", true},  // the Monday after
		{"2026-11-01", false}, // fall-back Sunday
		{"2026-11-02", true},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := cal.IsBusinessDay(mustDate(tt.date)); got != tt.want {
				t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestCalendarInBusinessHours(t *testing.T) {
	cal := testCalendar()
	// A calendar that works every day, so the DST Sundays themselves have
	// business hours.
	everyDay := testCalendar()
	everyDay.WorkingDays = []Weekday{0, 1, 2, 3, 4, 5, 6}

	tests := []struct {
		name string
		cal  Calendar
		at   time.Time
		want bool
	}{
		{"exact opening is inside", cal, ny(2026, 6, 10, 9, 0), true},
		{"a minute before opening", cal, ny(2026, 6, 10, 8, 59), false},
		{"a second before opening", cal, ny(2026, 6, 10, 8, 59).Add(59 * time.Second), false},
		{"midday", cal, ny(2026, 6, 10, 12, 30), true},
		{"a minute before closing", cal, ny(2026, 6, 10, 16, 59), true},
		{"last second before closing", cal, ny(2026, 6, 10, 16, 59).Add(59*time.Second + 999*time.Millisecond), true},
		{"exact closing is outside", cal, ny(2026, 6, 10, 17, 0), false},
		{"evening", cal, ny(2026, 6, 10, 22, 0), false},
		{"midnight", cal, ny(2026, 6, 10, 0, 0), false},
		{"Saturday midday", cal, ny(2026, 6, 13, 12, 0), false},
		{"Sunday midday", cal, ny(2026, 6, 14, 12, 0), false},
		{"holiday midday", cal, ny(2026, 1, 19, 12, 0), false},
		{"holiday Friday midday", cal, ny(2026, 7, 3, 12, 0), false},
		// Instants given in UTC are judged on the New York clock.
		{"UTC 13:00 is 09:00 EDT", cal, utc(2026, 6, 10, 13, 0), true},
		{"UTC 12:59 is 08:59 EDT", cal, utc(2026, 6, 10, 12, 59), false},
		{"UTC 21:00 is 17:00 EDT", cal, utc(2026, 6, 10, 21, 0), false},
		{"UTC Saturday 00:30 is Friday 20:30 EDT", cal, utc(2026, 6, 13, 0, 30), false},
		{"UTC Saturday 01:00 in winter is Friday 20:00 EST", cal, utc(2026, 1, 10, 1, 0), false},
		{"UTC 14:00 in winter is 09:00 EST", cal, utc(2026, 1, 14, 14, 0), true},
		{"UTC 13:59 in winter is 08:59 EST", cal, utc(2026, 1, 14, 13, 59), false},
		{"UTC 22:00 in winter is 17:00 EST", cal, utc(2026, 1, 14, 22, 0), false},
		{"UTC 21:59 in winter is 16:59 EST", cal, utc(2026, 1, 14, 21, 59), true},
		// The Mondays after the DST changes.
		{"Mon after spring forward 09:00 EDT (13:00Z)", cal, utc(2026, 3, 9, 13, 0), true},
		{"Mon after spring forward 08:59 EDT (12:59Z)", cal, utc(2026, 3, 9, 12, 59), false},
		{"Mon after spring forward 16:59 EDT (20:59Z)", cal, utc(2026, 3, 9, 20, 59), true},
		{"Mon after spring forward 17:00 EDT (21:00Z)", cal, utc(2026, 3, 9, 21, 0), false},
		{"Mon after fall back 09:00 EST (14:00Z)", cal, utc(2026, 11, 2, 14, 0), true},
		{"Mon after fall back 08:59 EST (13:59Z)", cal, utc(2026, 11, 2, 13, 59), false},
		{"Mon after fall back 16:59 EST (21:59Z)", cal, utc(2026, 11, 2, 21, 59), true},
		{"Mon after fall back 17:00 EST (22:00Z)", cal, utc(2026, 11, 2, 22, 0), false},
		// The DST days themselves, on a seven-day calendar.
		{"spring forward day 09:00 EDT (13:00Z)", everyDay, utc(2026, 3, 8, 13, 0), true},
		{"spring forward day 08:59 EDT (12:59Z)", everyDay, utc(2026, 3, 8, 12, 59), false},
		{"spring forward day 03:30 EDT (07:30Z)", everyDay, utc(2026, 3, 8, 7, 30), false},
		{"spring forward day 17:00 EDT (21:00Z)", everyDay, utc(2026, 3, 8, 21, 0), false},
		{"spring forward day 16:59 EDT (20:59Z)", everyDay, utc(2026, 3, 8, 20, 59), true},
		{"fall back day 09:00 EST (14:00Z)", everyDay, utc(2026, 11, 1, 14, 0), true},
		{"fall back day 08:30 EST (13:30Z)", everyDay, utc(2026, 11, 1, 13, 30), false},
		{"fall back day 01:30 EDT (05:30Z)", everyDay, utc(2026, 11, 1, 5, 30), false},
		{"fall back day 01:30 EST (06:30Z)", everyDay, utc(2026, 11, 1, 6, 30), false},
		{"fall back day 17:00 EST (22:00Z)", everyDay, utc(2026, 11, 1, 22, 0), false},
		{"fall back day 16:59 EST (21:59Z)", everyDay, utc(2026, 11, 1, 21, 59), true},
		// Without a location the calendar is in UTC.
		{"nil location means UTC", Calendar{WorkingDays: cal.WorkingDays, Opens: cal.Opens, Closes: cal.Closes}, utc(2026, 6, 10, 9, 0), true},
		{"nil location means UTC, before opening", Calendar{WorkingDays: cal.WorkingDays, Opens: cal.Opens, Closes: cal.Closes}, utc(2026, 6, 10, 8, 59), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.InBusinessHours(tt.at); got != tt.want {
				t.Errorf("InBusinessHours(%s = %s) = %v, want %v", tt.at.Format(time.RFC3339), tt.at.In(newYork).Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

func TestCalendarNextBusinessDay(t *testing.T) {
	cal := testCalendar()
	everyDay := testCalendar()
	everyDay.WorkingDays = []Weekday{0, 1, 2, 3, 4, 5, 6}
	lateDeadline := testCalendar()
	lateDeadline.NextBusinessDayBy = 12 * 60

	tests := []struct {
		name  string
		cal   Calendar
		start time.Time
		want  time.Time
	}{
		{"before opening on a business day: same day", cal, ny(2026, 6, 10, 8, 0), ny(2026, 6, 10, 17, 0)},
		{"a minute before opening: same day", cal, ny(2026, 6, 10, 8, 59), ny(2026, 6, 10, 17, 0)},
		{"midnight of a business day: same day", cal, ny(2026, 6, 10, 0, 0), ny(2026, 6, 10, 17, 0)},
		{"at opening: next day", cal, ny(2026, 6, 10, 9, 0), ny(2026, 6, 11, 17, 0)},
		{"during hours: next day", cal, ny(2026, 6, 10, 13, 0), ny(2026, 6, 11, 17, 0)},
		{"at closing: next day", cal, ny(2026, 6, 10, 17, 0), ny(2026, 6, 11, 17, 0)},
		{"after closing: next day", cal, ny(2026, 6, 10, 20, 0), ny(2026, 6, 11, 17, 0)},
		{"just before midnight: next day", cal, ny(2026, 6, 10, 23, 59), ny(2026, 6, 11, 17, 0)},
		{"Friday during hours: Monday", cal, ny(2026, 6, 12, 10, 0), ny(2026, 6, 15, 17, 0)},
		{"Friday evening: Monday", cal, ny(2026, 6, 12, 18, 0), ny(2026, 6, 15, 17, 0)},
		{"Saturday: Monday", cal, ny(2026, 6, 13, 8, 0), ny(2026, 6, 15, 17, 0)},
		{"Saturday midnight: Monday", cal, ny(2026, 6, 13, 0, 0), ny(2026, 6, 15, 17, 0)},
		{"Sunday evening: Monday", cal, ny(2026, 6, 14, 23, 0), ny(2026, 6, 15, 17, 0)},
		{"Friday evening before a holiday Monday: Tuesday", cal, ny(2026, 5, 22, 18, 0), ny(2026, 5, 26, 17, 0)},
		{"Friday evening before MLK day: Tuesday", cal, ny(2026, 1, 16, 18, 0), ny(2026, 1, 20, 17, 0)},
		{"on a holiday before opening: next business day", cal, ny(2026, 5, 25, 7, 0), ny(2026, 5, 26, 17, 0)},
		{"on a holiday midday: next business day", cal, ny(2026, 5, 25, 12, 0), ny(2026, 5, 26, 17, 0)},
		{"Thursday before a holiday Friday: Monday", cal, ny(2026, 7, 2, 18, 0), ny(2026, 7, 6, 17, 0)},
		{"Wednesday before Thanksgiving: Friday", cal, ny(2026, 11, 25, 18, 0), ny(2026, 11, 27, 17, 0)},
		{"Christmas Eve evening: Monday after Christmas", cal, ny(2026, 12, 24, 18, 0), ny(2026, 12, 28, 17, 0)},
		{"year end: into January", cal, ny(2026, 12, 31, 18, 0), ny(2027, 1, 1, 17, 0)},
		{"deadline time other than closing", lateDeadline, ny(2026, 6, 10, 13, 0), ny(2026, 6, 11, 12, 0)},
		// DST: the deadline is 17:00 on the local clock whatever the offset.
		{"Friday evening before spring forward: Monday 17:00 EDT = 21:00Z", cal, ny(2026, 3, 6, 18, 0), utc(2026, 3, 9, 21, 0)},
		{"Friday evening before fall back: Monday 17:00 EST = 22:00Z", cal, ny(2026, 10, 30, 18, 0), utc(2026, 11, 2, 22, 0)},
		{"Friday evening EST given in UTC: Monday 21:00Z", cal, utc(2026, 3, 7, 0, 30), utc(2026, 3, 9, 21, 0)},
		{"spring forward day on a seven-day calendar: 17:00 EDT", everyDay, utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 21, 0)},
		{"fall back day on a seven-day calendar: 17:00 EST", everyDay, utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 22, 0)},
		{"evening before spring forward on a seven-day calendar", everyDay, ny(2026, 3, 7, 20, 0), utc(2026, 3, 8, 21, 0)},
		{"evening before fall back on a seven-day calendar", everyDay, ny(2026, 10, 31, 20, 0), utc(2026, 11, 1, 22, 0)},
		{"UTC instant late on the local day before", cal, utc(2026, 6, 10, 3, 0), ny(2026, 6, 10, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.NextBusinessDay(tt.start)
			if !got.Equal(tt.want) {
				t.Errorf("NextBusinessDay(%s) = %s, want %s", tt.start.In(newYork).Format(time.RFC3339), got.In(newYork).Format(time.RFC3339), tt.want.In(newYork).Format(time.RFC3339))
			}
			if !tt.cal.IsBusinessDay(DateOf(got.In(newYork))) {
				t.Errorf("deadline %s is not on a business day", got)
			}
		})
	}
}

func TestDate(t *testing.T) {
	d := mustDate("2026-02-28")
	if got := d.AddDays(1).String(); got != "2026-03-01" {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := mustDate("2026-12-31").AddDays(1).String(); got != "2027-01-01" {
		t.Errorf("AddDays over the year = %s", got)
	}
	if got := mustDate("2026-03-09").AddDays(-2).String(); got != "2026-03-07" {
		t.Errorf("AddDays(-2) = %s", got)
	}
	if got := d.Weekday(); got != time.Saturday {
		t.Errorf("Weekday = %v", got)
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("zero date")
	}
	for _, bad := range []string{"", "2026-13-01", "2026-02-30", "26-01-01", "2026/01/01"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	// JSON round trip, including the zero date.
	type wrap struct {
		D Date `json:"d"`
		Z Date `json:"z"`
	}
	b, err := json.Marshal(wrap{D: d})
	if err != nil || string(b) != `{"d":"2026-02-28","z":""}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var w wrap
	if err := json.Unmarshal(b, &w); err != nil || w.D != d || !w.Z.IsZero() {
		t.Fatalf("Unmarshal = %+v, %v", w, err)
	}
	// At is DST-correct.
	if got := mustDate("2026-03-09").At(17*60, newYork); !got.Equal(utc(2026, 3, 9, 21, 0)) {
		t.Errorf("At after spring forward = %s", got.UTC())
	}
	if got := mustDate("2026-11-02").At(17*60, newYork); !got.Equal(utc(2026, 11, 2, 22, 0)) {
		t.Errorf("At after fall back = %s", got.UTC())
	}
}

func TestTimeOfDay(t *testing.T) {
	tests := []struct {
		in   string
		want TimeOfDay
		ok   bool
	}{
		{"09:00", 540, true},
		{"17:00", 1020, true},
		{"00:00", 0, true},
		{"23:59", 1439, true},
		{"24:00", 1440, true},
		{"9:30", 570, true},
		{"24:01", 0, false},
		{"25:00", 0, false},
		{"12:60", 0, false},
		{"12:5", 0, false},
		{"-1:00", 0, false},
		{"1200", 0, false},
		{"", 0, false},
		{"ab:cd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeOfDay(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseTimeOfDay(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if tt.ok {
				var back TimeOfDay
				text, _ := got.MarshalText()
				if err := back.UnmarshalText(text); err != nil || back != got {
					t.Errorf("round trip via %q = %v, %v", text, back, err)
				}
			}
		})
	}
}

func TestWeekdayText(t *testing.T) {
	tests := []struct {
		in   string
		want time.Weekday
		ok   bool
	}{
		{"monday", time.Monday, true},
		{"Monday", time.Monday, true},
		{"mon", time.Monday, true},
		{" SUN ", time.Sunday, true},
		{"saturday", time.Saturday, true},
		{"funday", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		var w Weekday
		err := w.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok || (tt.ok && time.Weekday(w) != tt.want) {
			t.Errorf("UnmarshalText(%q) = %v, %v", tt.in, time.Weekday(w), err)
		}
	}
	if b, _ := Weekday(time.Wednesday).MarshalText(); string(b) != "wednesday" {
		t.Errorf("MarshalText = %s", b)
	}
}
