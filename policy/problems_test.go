package policy

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// minimal reads testdata/minimal.yaml, the smallest valid policy; the
// cases below edit it and expect problems at its line numbers.
func minimal(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit is one textual change to minimal.yaml; old must occur exactly once.
type edit struct{ old, new string }

func apply(t *testing.T, src string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		if n := strings.Count(src, e.old); n != 1 {
			t.Fatalf("%q occurs %d times in minimal.yaml, want once", e.old, n)
		}
		src = strings.Replace(src, e.old, e.new, 1)
	}
	return src
}

// problemLines parses src and returns its problems as strings.
func problemLines(t *testing.T, src string) []string {
	t.Helper()
	p, err := Parse("minimal.yaml", []byte(src))
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse error is %T (%v), want Problems", err, err)
	}
	if p != nil {
		t.Error("Parse returned a policy along with problems")
	}
	lines := make([]string, len(ps))
	for i, pr := range ps {
		lines[i] = pr.String()
	}
	if got := strings.Join(lines, "\n"); got != err.Error() {
		t.Errorf("Error() = %q, want the problems one per line %q", err.Error(), got)
	}
	return lines
}

func TestMinimalIsValid(t *testing.T) {
	if got := problemLines(t, minimal(t)); got != nil {
		t.Fatalf("testdata/minimal.yaml has problems:\n%s", strings.Join(got, "\n"))
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  []string
	}{
		// Decoding: unknown fields and values of the wrong type.
		{"unknown top-level field", []edit{{"organization: Test\n", "organization: Test\ncolour: blue\n"}}, []string{
			`minimal.yaml:3: unknown field "colour"`,
		}},
		{"unknown nested field", []edit{{"    resolve: 8h\n", "    resolve: 8h\n    resolv: 9h\n"}}, []string{
			`minimal.yaml:25: severities[1]: unknown field "resolv"`,
		}},
		{"unknown field in flow mapping", []edit{{"{id: bob, name: Bob}", "{id: bob, name: Bob, pager: 7}"}}, []string{
			`minimal.yaml:51: people[1]: unknown field "pager"`,
		}},
		{"whole number wanted", []edit{{"every_months: 3", "every_months: three"}}, []string{
			`minimal.yaml:64: review.every_months: want a whole number`,
		}},
		{"list wanted", []edit{{"working_days: [monday, tuesday, wednesday, thursday, friday]", "working_days: monday"}}, []string{
			`minimal.yaml:5: calendar.working_days: want a list`,
		}},
		{"mapping wanted", []edit{{"    respond:\n      business_hours: 1h\n      outside_business_hours: 4h\n", "    respond: fast\n"}}, []string{
			`minimal.yaml:21: severities[1].respond: want a mapping of fields`,
		}},
		{"true or false wanted", []edit{{"critical: true", "critical: very"}}, []string{
			`minimal.yaml:48: services[0].critical: want true or false`,
		}},
		{"invalid deadline", []edit{{"business_hours: 1h", "business_hours: 1x"}}, []string{
			`minimal.yaml:22: severities[1].respond.business_hours: invalid deadline "1x": want immediate, none, next_business_day or a positive duration such as 4h, 2d or 1w`,
		}},
		{"invalid time of day", []edit{{`opens: "09:00"`, `opens: "9am"`}}, []string{
			`minimal.yaml:6: calendar.opens: invalid time of day "9am": want HH:MM`,
		}},
		{"invalid weekday", []edit{{"[monday, tuesday,", "[monday, tues,"}}, []string{
			`minimal.yaml:5: calendar.working_days[1]: invalid weekday "tues": want monday to sunday`,
		}},
		{"invalid date", []edit{{"date: 2026-12-25", "date: 2026-12-32"}}, []string{
			`minimal.yaml:10: calendar.holidays[0].date: invalid date "2026-12-32": want YYYY-MM-DD`,
		}},

		// Severities.
		{"version missing", []edit{{`version: "test"` + "\n", ""}}, []string{
			`minimal.yaml:1: version: required`,
		}},
		{"respond field missing", []edit{{"      business_hours: 1h\n", ""}}, []string{
			`minimal.yaml:21: severities[1].respond.business_hours: required`,
		}},
		{"respond none", []edit{{"outside_business_hours: 4h", "outside_business_hours: none"}}, []string{
			`minimal.yaml:23: severities[1].respond.outside_business_hours: must not be none`,
		}},
		{"resolve immediate", []edit{{"resolve: 24h", "resolve: immediate"}}, []string{
			`minimal.yaml:33: severities[2].resolve: must not be immediate`,
		}},
		{"resolve none", []edit{{"resolve: 1w", "resolve: none"}}, []string{
			`minimal.yaml:39: severities[3].resolve: must not be none`,
		}},
		{"escalation within missing", []edit{{"{within: none}", "{summary: Support}"}}, []string{
			`minimal.yaml:40: severities[3].escalation.within: required`,
		}},
		{"name and description missing", []edit{{"    name: Low\n    description: Little is broken\n", ""}}, []string{
			`minimal.yaml:35: severities[3].name: required`,
			`minimal.yaml:35: severities[3].description: required`,
		}},
		{"duplicate severity", []edit{{"level: P3", "level: P2"}}, []string{
			`minimal.yaml:11: severities: missing P3: a policy defines each of P1, P2, P3 and P4 once`,
			`minimal.yaml:29: severities[2].level: duplicate severity P2: severities[1] has it too`,
		}},
		{"unknown severity", []edit{{"level: P4", "level: P5"}}, []string{
			`minimal.yaml:11: severities: missing P4: a policy defines each of P1, P2, P3 and P4 once`,
			`minimal.yaml:35: severities[3].level: unknown severity "P5": want P1, P2, P3 or P4`,
		}},
		{"unknown escalation chain", []edit{{"      chain: tech\n", "      chain: ops\n"}}, []string{
			`minimal.yaml:27: severities[1].escalation.chain: unknown escalation chain "ops"`,
		}},
		{"through_step beyond the chain", []edit{{"through_step: 2", "through_step: 3"}}, []string{
			`minimal.yaml:17: severities[0].escalation.through_step: must be 1 to 2, the steps of chain "tech"`,
		}},
		{"through_step zero", []edit{{"      through_step: 1\n", ""}}, []string{
			`minimal.yaml:25: severities[1].escalation.through_step: must be 1 to 2, the steps of chain "tech"`,
		}},
		{"through_step without chain", []edit{{"{within: none}", "{within: none, through_step: 1}"}}, []string{
			`minimal.yaml:40: severities[3].escalation.through_step: set without a chain`,
		}},
		{"escalation to nobody", []edit{{"{within: none}", "{within: 2d}"}}, []string{
			`minimal.yaml:40: severities[3].escalation.chain: required: escalation within 2d needs a chain or contacts to escalate to`,
		}},
		{"unknown escalation contact and chain", []edit{{"contacts: [oncall], notify_chains: [tech]", "contacts: [oncall, pager], notify_chains: [business]"}}, []string{
			`minimal.yaml:17: severities[0].escalation.contacts[1]: unknown contact "pager"`,
			`minimal.yaml:17: severities[0].escalation.notify_chains[0]: unknown escalation chain "business"`,
		}},

		// Calendar.
		{"unknown time zone", []edit{{"Europe/London", "Europe/Atlantis"}}, []string{
			`minimal.yaml:4: calendar.time_zone: unknown time zone "Europe/Atlantis": want an IANA name such as America/New_York`,
		}},
		{"no working days", []edit{{"[monday, tuesday, wednesday, thursday, friday]", "[]"}}, []string{
			`minimal.yaml:5: calendar.working_days: at least one working day is required`,
		}},
		{"duplicate working day", []edit{{"thursday, friday]", "thursday, friday, monday]"}}, []string{
			`minimal.yaml:5: calendar.working_days[5]: duplicate day monday`,
		}},
		{"closes before opens", []edit{{`closes: "17:00"`, `closes: "08:00"`}}, []string{
			`minimal.yaml:7: calendar.closes: closing time (08:00) must be after opening time (09:00)`,
		}},
		{"next_business_day_by missing", []edit{{`  next_business_day_by: "12:00"` + "\n", ""}}, []string{
			`minimal.yaml:3: calendar.next_business_day_by: required: the local time a next_business_day deadline falls due, such as 17:00`,
		}},
		{"duplicate holiday", []edit{{"name: Christmas Day}\n", "name: Christmas Day}\n    - {date: 2026-12-25, name: Xmas}\n"}}, []string{
			`minimal.yaml:11: calendar.holidays[1].date: duplicate holiday 2026-12-25: calendar.holidays[0] has it too`,
		}},

		// Roles and directory entries.
		{"missing role", []edit{{"  - {id: sme, name: Expert, multiple: true}\n", ""}}, []string{
			`minimal.yaml:41: roles: missing role "sme"`,
		}},
		{"duplicate role", []edit{{"{id: communications_liaison, name: Liaison}", "{id: sme, name: Liaison}"}}, []string{
			`minimal.yaml:41: roles: missing role "communications_liaison"`,
			`minimal.yaml:46: roles[4].id: duplicate id "sme": roles[3] has it too`,
		}},
		{"invalid service id and missing name", []edit{{"{id: api, name: API, critical: true}", "{id: API Gateway, critical: true}"}}, []string{
			`minimal.yaml:48: services[0].name: required`,
			`minimal.yaml:48: services[0].id: invalid id "API Gateway": want 1-64 characters of a-z, 0-9, '-', '_' or '.'`,
		}},
		{"relative health URL", []edit{{"name: API,", "name: API, health_url: /healthz,"}}, []string{
			`minimal.yaml:48: services[0].health_url: invalid URL "/healthz": want an absolute http or https URL`,
		}},
		{"duplicate person", []edit{{"{id: bob, name: Bob}\n", "{id: bob, name: Bob}\n  - {id: ann, name: Anne}\n"}}, []string{
			`minimal.yaml:52: people[2].id: duplicate id "ann": people[0] has it too`,
		}},
		{"person id missing", []edit{{"{id: bob, name: Bob}\n", "{id: bob, name: Bob}\n  - {name: Carol}\n"}}, []string{
			`minimal.yaml:52: people[2].id: required`,
		}},
		{"invalid email", []edit{{"email: ann@example.com", "email: Ann <ann@example.com>"}}, []string{
			`minimal.yaml:50: people[0].email: invalid email "Ann <ann@example.com>": want name@example.com`,
		}},
		{"contact without email or phone", []edit{{`, phone: "+1-555-0100"`, ""}}, []string{
			`minimal.yaml:53: contacts[0]: an email or a phone number is required`,
		}},
		{"chain step names nobody known", []edit{{"people: [bob]", "people: [bob, zoe], contacts: [pager]"}}, []string{
			`minimal.yaml:59: escalation_chains[0].steps[1].people[1]: unknown person "zoe"`,
			`minimal.yaml:59: escalation_chains[0].steps[1].contacts[0]: unknown contact "pager"`,
		}},
		{"chain step without anyone", []edit{{"{title: Lead, people: [bob]}", "{title: Lead}"}}, []string{
			`minimal.yaml:59: escalation_chains[0].steps[1]: a step pages at least one person, contact, on-call or title`,
		}},
		{"chain without steps", []edit{{"    steps:\n      - {title: On-call, people: [ann], contacts: [oncall]}\n      - {title: Lead, people: [bob]}\n", ""}}, []string{
			`minimal.yaml:55: escalation_chains[0].steps: at least one step is required`,
		}},
		{"system access URL not absolute", []edit{{`url: "https://logs.example.com"`, "url: logs.example.com"}}, []string{
			`minimal.yaml:61: system_access[0].url: invalid URL "logs.example.com": want an absolute http or https URL`,
		}},
		{"document URL unparsable", []edit{{"url: ./runbook.md", `url: "%zz"`}}, []string{
			`minimal.yaml:63: documents[0].url: invalid URL "%zz"`,
		}},
		{"link URL missing", []edit{{", url: ./runbook.md", ""}}, []string{
			`minimal.yaml:63: documents[0].url: required`,
		}},

		// Review.
		{"review owner unknown", []edit{{"owner: ann", "owner: zoe"}}, []string{
			`minimal.yaml:64: review.owner: unknown person "zoe"`,
		}},
		{"review cadence and dates", []edit{{"every_months: 3, last_reviewed: 2026-01-01, next_due: 2026-04-01", "every_months: 0, last_reviewed: 2026-04-01, next_due: 2026-04-01"}}, []string{
			`minimal.yaml:64: review.every_months: must be at least 1`,
			`minimal.yaml:64: review.next_due: 2026-04-01 must be after last_reviewed (2026-04-01)`,
		}},
		{"review missing", []edit{{"review: {owner: ann, every_months: 3, last_reviewed: 2026-01-01, next_due: 2026-04-01}\n", ""}}, []string{
			`minimal.yaml:1: review.owner: required`,
			`minimal.yaml:1: review.every_months: must be at least 1`,
			`minimal.yaml:1: review.last_reviewed: required`,
			`minimal.yaml:1: review.next_due: required`,
		}},

		// Several problems at once, of every kind, in file order; a value
		// that failed to decode is not also reported as missing.
		{"several problems", []edit{
			{"organization: Test", "organisation: Test"},
			{"    respond:\n      business_hours: 1h\n      outside_business_hours: 4h\n", "    respond: [1h, 4h]\n"},
			{"level: P4", "level: P5"},
			{"email: ann@example.com", "email: ann"},
			{"owner: ann", "owner: zoe"},
		}, []string{
			`minimal.yaml:2: unknown field "organisation"`,
			`minimal.yaml:11: severities: missing P4: a policy defines each of P1, P2, P3 and P4 once`,
			`minimal.yaml:21: severities[1].respond: want a mapping of fields`,
			`minimal.yaml:33: severities[3].level: unknown severity "P5": want P1, P2, P3 or P4`,
			`minimal.yaml:48: people[0].email: invalid email "ann": want name@example.com`,
			`minimal.yaml:62: review.owner: unknown person "zoe"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemLines(t, apply(t, minimal(t), tt.edits))
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDocumentProblems covers files that are not a single YAML mapping.
// Syntax messages come from go-yaml, so only their position is pinned.
func TestDocumentProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the problem, or its "file:line:" prefix for syntax errors
	}{
		{"empty", "", "p.yaml:1: policy is empty"},
		{"only comments", "# nothing yet\n", "p.yaml:1: policy is empty"},
		{"not a mapping", "- version: 1\n", "p.yaml:1: want a mapping of fields"},
		{"two documents", "version: a\n---\nversion: b\n", "p.yaml:3: only one YAML document is allowed"},
		{"syntax error", "version: 1\ncalendar:\n  opens: [09:00\n", "p.yaml:3:"},
		{"duplicate key", "version: 1\nversion: 2\n", "p.yaml:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.src))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) != 1 {
				t.Fatalf("Parse error = %v, want one problem", err)
			}
			if got := ps[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("problem = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f.yaml", Line: 3, Column: 7, Message: "bad"}, "f.yaml:3: bad"},
		{Problem{File: "f.yaml", Message: "unreadable"}, "f.yaml: unreadable"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	ps := Problems{tests[0].p, tests[1].p}
	if got, want := ps.Error(), "f.yaml:3: bad\nf.yaml: unreadable"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
