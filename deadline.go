package fireline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DeadlineKind says how a Deadline is computed from the instant its clock
// starts.
type DeadlineKind string

// Deadline kinds.
const (
	DeadlineImmediate       DeadlineKind = "immediate"         // due the moment the clock starts
	DeadlineAfter           DeadlineKind = "after"             // due a fixed wall-clock duration later
	DeadlineNextBusinessDay DeadlineKind = "next_business_day" // due per Calendar.NextBusinessDay
	DeadlineNone            DeadlineKind = "none"              // no deadline
)

// Deadline is a policy's clock rule. In YAML and JSON it is written as
// "immediate", "none", "next_business_day" or a duration such as "90m",
// "4h", "2d" or "1w".
type Deadline struct {
	Kind  DeadlineKind
	After time.Duration
}

// ParseDeadline parses the text form of a Deadline.
func ParseDeadline(s string) (Deadline, error) {
	switch s := strings.TrimSpace(s); s {
	case string(DeadlineImmediate):
		return Deadline{Kind: DeadlineImmediate}, nil
	case string(DeadlineNone):
		return Deadline{Kind: DeadlineNone}, nil
	case string(DeadlineNextBusinessDay):
		return Deadline{Kind: DeadlineNextBusinessDay}, nil
	default:
		d, err := parseDuration(s)
		if err != nil || d <= 0 {
			return Deadline{}, fmt.Errorf("invalid deadline %q: want immediate, none, next_business_day or a positive duration such as 4h, 2d or 1w", s)
		}
		return Deadline{Kind: DeadlineAfter, After: d}, nil
	}
}

// parseDuration extends time.ParseDuration with whole days (d) and weeks (w).
func parseDuration(s string) (time.Duration, error) {
	for _, unit := range []struct {
		suffix string
		size   time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		if n, ok := strings.CutSuffix(s, unit.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return 0, err
			}
			if v > math.MaxInt64/int64(unit.size) || v < math.MinInt64/int64(unit.size) {
				return 0, fmt.Errorf("duration %q is too long", s)
			}
			return time.Duration(v) * unit.size, nil
		}
	}
	return time.ParseDuration(s)
}

func (d Deadline) String() string {
	if d.Kind != DeadlineAfter {
		return string(d.Kind)
	}
	return FormatDuration(d.After)
}

// FormatDuration writes a duration the way policies do: "1w", "2d", "4h",
// "90m", "1h30m".
func FormatDuration(v time.Duration) string {
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	switch {
	case v >= week && v%week == 0:
		return strconv.Itoa(int(v/week)) + "w"
	case v >= 2*day && v%day == 0:
		return strconv.Itoa(int(v/day)) + "d"
	}
	// Drop zero minutes and seconds: "1h0m0s" is "1h", "30m0s" is "30m".
	// Only a whole "0s" or "0m" unit goes; "10s" and "1h0m30s" stay.
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText implements encoding.TextMarshaler.
func (d Deadline) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Deadline) UnmarshalText(b []byte) error {
	v, err := ParseDeadline(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// From returns the instant the deadline falls due for a clock started at
// start, and false for DeadlineNone.
func (d Deadline) From(start time.Time, cal Calendar) (time.Time, bool) {
	switch d.Kind {
	case DeadlineImmediate:
		return start, true
	case DeadlineAfter:
		return start.Add(d.After), true
	case DeadlineNextBusinessDay:
		return cal.NextBusinessDay(start), true
	default:
		return time.Time{}, false
	}
}
