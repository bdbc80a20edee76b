package fireline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDeadline(t *testing.T) {
	tests := []struct {
		in   string
		want Deadline
		text string // String() of the parsed deadline
	}{
		{"immediate", Deadline{Kind: DeadlineImmediate}, "immediate"},
		{"none", Deadline{Kind: DeadlineNone}, "none"},
		{"next_business_day", Deadline{Kind: DeadlineNextBusinessDay}, "next_business_day"},
		{" 4h ", Deadline{Kind: DeadlineAfter, After: 4 * time.Hour}, "4h"},
		{"90m", Deadline{Kind: DeadlineAfter, After: 90 * time.Minute}, "1h30m"},
		{"1h30m", Deadline{Kind: DeadlineAfter, After: 90 * time.Minute}, "1h30m"},
		{"4h", Deadline{Kind: DeadlineAfter, After: 4 * time.Hour}, "4h"},
		{"8h", Deadline{Kind: DeadlineAfter, After: 8 * time.Hour}, "8h"},
		{"24h", Deadline{Kind: DeadlineAfter, After: 24 * time.Hour}, "24h"},
		{"1d", Deadline{Kind: DeadlineAfter, After: 24 * time.Hour}, "24h"},
		{"2d", Deadline{Kind: DeadlineAfter, After: 48 * time.Hour}, "2d"},
		{"48h", Deadline{Kind: DeadlineAfter, After: 48 * time.Hour}, "2d"},
		{"14d", Deadline{Kind: DeadlineAfter, After: 14 * 24 * time.Hour}, "2w"},
		{"1w", Deadline{Kind: DeadlineAfter, After: 7 * 24 * time.Hour}, "1w"},
		{"30m", Deadline{Kind: DeadlineAfter, After: 30 * time.Minute}, "30m"},
		{"15m", Deadline{Kind: DeadlineAfter, After: 15 * time.Minute}, "15m"},
		{"10m", Deadline{Kind: DeadlineAfter, After: 10 * time.Minute}, "10m"},
		{"10s", Deadline{Kind: DeadlineAfter, After: 10 * time.Second}, "10s"},
		{"90s", Deadline{Kind: DeadlineAfter, After: 90 * time.Second}, "1m30s"},
		{"1h0m30s", Deadline{Kind: DeadlineAfter, After: time.Hour + 30*time.Second}, "1h0m30s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDeadline(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseDeadline(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if s := got.String(); s != tt.text {
				t.Errorf("String() = %q, want %q", s, tt.text)
			}
			// The text form parses back to the same deadline.
			back, err := ParseDeadline(got.String())
			if err != nil || back != got {
				t.Errorf("ParseDeadline(String()) = %+v, %v; want %+v", back, err, got)
			}
			// And so does JSON.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var j Deadline
			if err := json.Unmarshal(b, &j); err != nil || j != got {
				t.Errorf("JSON round trip via %s = %+v, %v", b, j, err)
			}
		})
	}
}

func TestParseDeadlineRejects(t *testing.T) {
	for _, in := range []string{"", "   ", "-1h", "0s", "0", "0d", "-1d", "-2w", "soon", "4", "4x", "1.5d", "d", "w", "1d12h",
		"Immediate", "next business day",
		"2562048h",          // overflows time.Duration
		"31000w", "220000d", // overflow int64 nanoseconds
		"9223372036854775807d",
	} {
		t.Run(in, func(t *testing.T) {
			if d, err := ParseDeadline(in); err == nil {
				t.Errorf("ParseDeadline(%q) = %+v (%s), want an error", in, d, time.Duration(d.After))
			}
			var d Deadline
			if err := json.Unmarshal([]byte(`"`+in+`"`), &d); err == nil {
				t.Errorf("json.Unmarshal(%q) succeeded", in)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{10 * time.Second, "10s"},
		{20 * time.Second, "20s"},
		{45 * time.Second, "45s"},
		{time.Minute, "1m"},
		{70 * time.Second, "1m10s"},
		{10 * time.Minute, "10m"},
		{90 * time.Minute, "1h30m"},
		{time.Hour, "1h"},
		{time.Hour + 30*time.Second, "1h0m30s"},
		{time.Hour + 10*time.Minute, "1h10m"},
		{4 * time.Hour, "4h"},
		{10 * time.Hour, "10h"},
		{24 * time.Hour, "24h"},
		{36 * time.Hour, "36h"},
		{48 * time.Hour, "2d"},
		{72 * time.Hour, "3d"},
		{7 * 24 * time.Hour, "1w"},
		{14 * 24 * time.Hour, "2w"},
		{8 * 24 * time.Hour, "8d"},
		{1500 * time.Millisecond, "1.5s"},
		{10 * time.Millisecond, "10ms"},
		{-time.Hour, "-1h"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := FormatDuration(tt.in)
			if got != tt.want {
				t.Fatalf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.in > 0 {
				back, err := parseDuration(got)
				if err != nil || back != tt.in {
					t.Errorf("parseDuration(%q) = %v, %v; want %v", got, back, err, tt.in)
				}
			}
		})
	}
}

func TestDeadlineFrom(t *testing.T) {
	cal := testCalendar()
	start := ny(2026, 6, 12, 16, 0) // Friday
	tests := []struct {
		d      string
		want   time.Time
		wantOK bool
	}{
		{"immediate", start, true},
		{"4h", ny(2026, 6, 12, 20, 0), true},
		{"2d", ny(2026, 6, 14, 16, 0), true},
		{"1w", ny(2026, 6, 19, 16, 0), true},
		{"next_business_day", ny(2026, 6, 15, 17, 0), true},
		{"none", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.d, func(t *testing.T) {
			got, ok := mustDeadline(tt.d).From(start, cal)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("From = %s, %v; want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if _, ok := (Deadline{}).From(start, cal); ok {
		t.Error("zero deadline has a due time")
	}
}
