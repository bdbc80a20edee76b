package fireline

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar is the business-hours calendar: a time zone, working days and
// hours, and holidays. Business-hours questions are answered in the
// calendar's time zone, so they stay right across daylight-saving changes.
type Calendar struct {
	TimeZone    string    `yaml:"time_zone" json:"time_zone"`
	WorkingDays []Weekday `yaml:"working_days" json:"working_days"`
	Opens       TimeOfDay `yaml:"opens" json:"opens"`
	Closes      TimeOfDay `yaml:"closes" json:"closes"`
	Holidays    []Holiday `yaml:"holidays" json:"holidays"`
	// NextBusinessDayBy is the local time of day by which a "next business
	// day" deadline falls due on that day.
	NextBusinessDayBy TimeOfDay `yaml:"next_business_day_by" json:"next_business_day_by"`
	// Location is TimeZone loaded; the policy package sets it. Nil means UTC.
	Location *time.Location `yaml:"-" json:"-"`
}

// Holiday is a date on which no business hours are kept.
type Holiday struct {
	Date Date   `yaml:"date" json:"date"`
	Name string `yaml:"name" json:"name"`
}

func (c Calendar) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// IsBusinessDay reports whether d is a working day that is not a holiday.
func (c Calendar) IsBusinessDay(d Date) bool {
	wd := d.Weekday()
	working := false
	for _, w := range c.WorkingDays {
		if time.Weekday(w) == wd {
			working = true
			break
		}
	}
	if !working {
		return false
	}
	for _, h := range c.Holidays {
		if h.Date == d {
			return false
		}
	}
	return true
}

// InBusinessHours reports whether the instant t falls inside business
// hours: on a business day, at or after opening and before closing.
func (c Calendar) InBusinessHours(t time.Time) bool {
	local := t.In(c.location())
	if !c.IsBusinessDay(DateOf(local)) {
		return false
	}
	tod := TimeOfDay(local.Hour()*60 + local.Minute())
	return tod >= c.Opens && tod < c.Closes
}

// NextBusinessDay returns the "next business day" deadline for a clock that
// starts at t: NextBusinessDayBy on the first business day whose opening
// comes after t. A clock started before opening on a business day is due
// that same day; one started during or after business hours is due on the
// following business day.
func (c Calendar) NextBusinessDay(t time.Time) time.Time {
	loc := c.location()
	local := t.In(loc)
	d := DateOf(local)
	tod := TimeOfDay(local.Hour()*60 + local.Minute())
	if !(c.IsBusinessDay(d) && tod < c.Opens) {
		d = d.AddDays(1)
	}
	// Bounded: validation guarantees a working day each week, and holidays
	// cannot fill more than a few years.
	for i := 0; i < 3*366 && !c.IsBusinessDay(d); i++ {
		d = d.AddDays(1)
	}
	return d.At(c.NextBusinessDayBy, loc)
}

// Date is a civil date without a time zone, written 2006-01-02.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// At returns the instant of the time of day tod on d in loc.
func (d Date) At(tod TimeOfDay, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(tod)/60, int(tod)%60, 0, 0, loc)
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// TimeOfDay is minutes after local midnight, written 15:04.
type TimeOfDay int

// ParseTimeOfDay parses HH:MM on a 24-hour clock; 24:00 means midnight at
// the end of the day.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || h == "" || h[0] < '0' || h[0] > '9' || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("invalid time of day %q: want HH:MM", s)
	}
	return TimeOfDay(hh*60 + mm), nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalText implements encoding.TextMarshaler.
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Weekday is a day of the week written in English ("monday").
type Weekday time.Weekday

func (w Weekday) String() string { return strings.ToLower(time.Weekday(w).String()) }

// MarshalText implements encoding.TextMarshaler.
func (w Weekday) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (w *Weekday) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			*w = Weekday(d)
			return nil
		}
	}
	return fmt.Errorf("invalid weekday %q: want monday to sunday", string(b))
}

// BusinessDaysAfter returns the close of business on the n-th business day
// after the day t falls on (in the calendar's time zone): resolved on a
// Monday, 5 business days after is the next Monday at closing time,
// holidays and weekends skipped. Closing time is read on that day's own
// clock, so it stays right across a daylight-saving change.
func (c Calendar) BusinessDaysAfter(t time.Time, n int) time.Time {
	loc := c.location()
	d := DateOf(t.In(loc))
	// Bounded: validation guarantees a working day each week.
	for i := 0; n > 0 && i < 3*366+7*n; i++ {
		d = d.AddDays(1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d.At(c.Closes, loc)
}
