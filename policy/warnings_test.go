package policy

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkLines runs Check on src and returns its warnings as strings.
func checkLines(t *testing.T, src string, now time.Time) []string {
	t.Helper()
	if _, err := Parse("p.yaml", []byte(src)); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p, ws, err := Check("p.yaml", []byte(src), now)
	if err != nil || p == nil {
		t.Fatalf("Check: %v", err)
	}
	var out []string
	for _, w := range ws {
		if w.Level != Warning && w.Level != Note {
			t.Errorf("%s has level %q", w, w.Level)
		}
		out = append(out, w.String())
	}
	return out
}

// lineOf is the 1-based line of the first occurrence of s in src.
func lineOf(t *testing.T, src, s string) string {
	t.Helper()
	i := strings.Index(src, s)
	if i < 0 {
		t.Fatalf("%q not in the policy", s)
	}
	return strconv.Itoa(strings.Count(src[:i], "\n") + 1)
}

// early is a day the default policy's holidays are more than 90 days
// from running out.
var early = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// TestWebhookWarnings: webhooks to localhost or a literal address the
// outbound guard refuses are warned about at their url's line, with the
// --allow-outbound range that would allow them; the signing secrets every
// webhook needs are noted once, at the first webhook.
func TestWebhookWarnings(t *testing.T) {
	src := string(DefaultYAML())
	for _, r := range []struct{ old, new string }{
		{"    email: alex@berrys.ai\n", "    email: alex@berrys.ai\n    contact_methods:\n      - type: webhook\n        url: http://127.0.0.1:9000/hook\n      - type: email\n"},
		{"    email: blake@berrys.ai\n", "    email: blake@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \"http://localhost:8080/x\", secret_env: BLAKE_HOOK }\n"},
		{"    email: casey@berrys.ai\n", "    email: casey@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \"https://hooks.example.com/c\" }\n      - { type: webhook, url: \"https://10.0.0.5/page\" }\n      - { type: webhook, url: \"http://[fe80::1]/p\" }\n"},
	} {
		if strings.Count(src, r.old) != 1 {
			t.Fatalf("default policy lacks %q", r.old)
		}
		src = strings.Replace(src, r.old, r.new, 1)
	}
	got := checkLines(t, src, early)
	want := []string{
		"p.yaml:" + lineOf(t, src, "      - type: webhook\n        url: http://127.0.0.1") + ": note: people[0].contact_methods[0]: webhook contact methods are signed with the secrets in FIRELINE_WEBHOOK_SECRET, BLAKE_HOOK: set each in the server's environment to the receiver's whsec_ signing secret, or their pages fail (fireline oncall check on the server shows what is missing)",
		"p.yaml:" + lineOf(t, src, "        url: http://127.0.0.1") + ": warning: people[0].contact_methods[0].url: 127.0.0.1 is a loopback address: pages to it are refused unless the server runs with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)",
		"p.yaml:" + lineOf(t, src, "      - { type: webhook, url: \"http://localhost") + ": warning: people[1].contact_methods[0].url: localhost is a loopback address: pages to it are refused unless the server runs with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)",
		"p.yaml:" + lineOf(t, src, "      - { type: webhook, url: \"https://10.0.0.5") + ": warning: people[2].contact_methods[1].url: 10.0.0.5 is a private address: pages to it are refused unless the server runs with --allow-outbound 10.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)",
		"p.yaml:" + lineOf(t, src, "      - { type: webhook, url: \"http://[fe80::1]") + ": warning: people[2].contact_methods[2].url: fe80::1 is a link-local address: pages to it are refused unless the server runs with --allow-outbound fe80::/10 (FIRELINE_ALLOW_OUTBOUND)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := checkLines(t, string(DefaultYAML()), early); len(got) != 0 {
		t.Fatalf("the default policy, early: %q", got)
	}
}

// TestHolidayWarning: the policy check warns, at the holidays' line, once
// the last holiday listed is less than 90 days away (in the calendar's
// time zone), when it has passed, and when there are none.
func TestHolidayWarning(t *testing.T) {
	src := string(DefaultYAML())
	at := "p.yaml:" + lineOf(t, src, "  holidays:") + ": warning: calendar.holidays: "
	noon := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	none := regexp.MustCompile(`(?m)^  holidays:\n(    - .*\n)+`).ReplaceAllString(src, "  holidays: []\n")
	tests := []struct {
		name string
		src  string
		now  time.Time
		want string
	}{
		{"a year ahead", src, early, ""},
		{"exactly 90 days ahead", src, noon(2027, 10, 2), ""},
		{"89 days ahead", src, noon(2027, 10, 3), at + "the last holiday listed is 2027-12-31; add next year's before it passes"},
		{"90 days ahead in New York, 89 in UTC", src, time.Date(2027, 10, 3, 2, 0, 0, 0, time.UTC), ""},
		{"on the last holiday", src, noon(2027, 12, 31), at + "the last holiday listed is 2027-12-31; add next year's before it passes"},
		{"after it", src, noon(2028, 1, 5), at + "the last holiday listed is 2027-12-31, which has passed; add this year's and next year's"},
		{"none listed", none, early, "p.yaml:" + lineOf(t, none, "  holidays: []") + ": warning: calendar.holidays: no holidays are listed, so every working day keeps business hours; list your organisation's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(checkLines(t, tt.src, tt.now), "\n")
			if got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestCheckInvalid: Check refuses an invalid policy as Parse does, with
// its problems and no warnings.
func TestCheckInvalid(t *testing.T) {
	src := strings.Replace(string(DefaultYAML()), "level: P2", "level: P9", 1)
	p, ws, err := Check("p.yaml", []byte(src), early)
	var ps Problems
	if p != nil || ws != nil || !errors.As(err, &ps) || ps[0].Level != "" || strings.Contains(ps.Error(), "warning") {
		t.Fatalf("Check of an invalid policy: %v %v %v", p, ws, err)
	}
}
